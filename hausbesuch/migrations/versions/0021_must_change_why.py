"""Why an account must choose a new password (review 42 #7): ``vorlaeufig`` (the
administrator set it) or ``regeln`` (it fails today's rules), so that the password page
gives the one reason that applies. Accounts asked before this version keep ``NULL``: the
page then names both.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 15:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('web_users') as batch:
        batch.add_column(sa.Column('must_change_why', sa.String(16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('web_users') as batch:
        batch.drop_column('must_change_why')
