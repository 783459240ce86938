"""The teams of a city as the coordinators set them (one row per city, JSON).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 05:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('city_teams',
    sa.Column('city', sa.String(length=120), nullable=False),
    sa.Column('teams', sa.Text(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('updated_by', sa.String(length=120), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('city', name=op.f('pk_city_teams'))
    )


def downgrade() -> None:
    op.drop_table('city_teams')
