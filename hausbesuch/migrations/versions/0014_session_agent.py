"""The browser of a login session, as the page „Meine Sitzungen“ names it (ASVS V3.3.4).

A short description made of fixed words („Chrome auf Android“, ``hausbesuch.web.useragent``),
never the ``User-Agent`` header itself. Sessions started before this version have none
and are shown as „unbekannter Browser“.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 03:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('web_sessions') as batch:
        batch.add_column(sa.Column('agent', sa.String(length=60), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('web_sessions') as batch:
        batch.drop_column('agent')
