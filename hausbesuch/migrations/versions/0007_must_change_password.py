"""Accounts whose stored password fails today's rules must change it at the next login;
sessions and login tries start afresh (from this version on they are kept in UTC, before in
the server's local time: a session stored before would otherwise outlive its idle limit once).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 06:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('web_users') as batch:
        batch.add_column(sa.Column('must_change_password', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    op.execute("DELETE FROM web_sessions")  # everyone logs in once more
    op.execute("DELETE FROM web_login_attempts")


def downgrade() -> None:
    with op.batch_alter_table('web_users') as batch:
        batch.drop_column('must_change_password')
