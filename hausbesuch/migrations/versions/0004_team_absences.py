"""Team absences: days on which a team does no visits.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 04:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('team_absences',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('city', sa.String(length=120), nullable=False),
    sa.Column('team_id', sa.String(length=64), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_team_absences')),
    sa.UniqueConstraint('city', 'team_id', 'day', name=op.f('uq_team_absences_city'))
    )
    op.create_index(op.f('ix_team_absences_city'), 'team_absences', ['city'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_team_absences_city'), table_name='team_absences')
    op.drop_table('team_absences')
