"""When an imported client list last held each case (``purge --absent-days``).

Cases stored before this version count as listed at the upgrade: the store does not know
when a list last held them, and the later moment never erases a case too early.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 12:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hausbesuch import clock

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('clients') as batch:
        batch.add_column(sa.Column('last_listed_at', sa.DateTime(), nullable=True))
    op.execute(sa.text("UPDATE clients SET last_listed_at = :now")
               .bindparams(sa.bindparam("now", clock.now(), type_=sa.DateTime())))


def downgrade() -> None:
    with op.batch_alter_table('clients') as batch:
        batch.drop_column('last_listed_at')
