"""When a case's pin was last set, changed or taken back (session 39, review 39 #1).

The plan page's pin form carries the moment its page read the pins, each „Aufheben“ the
moment of its row's pin; a pin written after (by the web, a list, an outcome's
appointment, an erasure) refuses the form rather than being replaced or taken back
unseen. Pins stored before this version have none (NULL): older than any page.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 03:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('clients') as batch:
        batch.add_column(sa.Column('pin_since', sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('clients') as batch:
        batch.drop_column('pin_since')
