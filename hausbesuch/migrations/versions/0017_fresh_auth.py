"""When a login session last proved its password (QA 28 F6, ASVS V3.7.1).

*Link erzeugen* hands out bearer access to a team-day's addresses: it asks for the
password again unless the session's login or its last password confirmation is at most
``auth.FRESH_AUTH_MINUTES`` old. The moment is kept in UTC; sessions started before this
version have none, and their login (``created_at``) counts.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('web_sessions') as batch:
        batch.add_column(sa.Column('fresh_auth_at', sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('web_sessions') as batch:
        batch.drop_column('fresh_auth_at')
