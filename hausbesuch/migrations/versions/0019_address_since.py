"""When a client list last changed a case's address (session 39, QA 38 F1).

The address form of *Adressen* carries a stamp of what its page showed; an import that
changes the case's address (or the coordinates the list gives) between the page's load
and the fix being sent changes it, so that a fix typed for the old address is refused
rather than stored for the new one. Cases stored before this version have none (NULL)
until a list changes their address.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 02:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('clients') as batch:
        batch.add_column(sa.Column('address_since', sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('clients') as batch:
        batch.drop_column('address_since')
