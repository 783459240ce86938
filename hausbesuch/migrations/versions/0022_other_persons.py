"""Two cases checked to be two people (``other_persons``): the note „gleicher Name und
gleiche Anschrift – doppelt angelegt?“ of the import and the plan leaves such a pair out
(closing 44/45: the note came back on every list although the coordinator had checked it).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-08 00:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'other_persons',
        sa.Column('city', sa.String(120), primary_key=True),
        sa.Column('client_a', sa.String(64), primary_key=True),
        sa.Column('client_b', sa.String(64), primary_key=True),
        sa.Column('checked_by', sa.String(120), nullable=False),
        sa.Column('checked_at', sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table('other_persons')
