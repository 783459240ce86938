"""The last import counts the listed cases whose data were erased apart (review 27 #9).

``hausbesuch import`` and the web upload say „10 unverändert, 2 nicht wieder eingelesen
(Daten gelöscht)“; the stored last import, which the *Kundenliste* page shows until the
next import, counted them as unchanged. Imports kept before this version read 0.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('last_imports') as batch:
        batch.add_column(sa.Column('erased_kept', sa.Integer(), nullable=False,
                                   server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('last_imports') as batch:
        batch.drop_column('erased_kept')
