"""Each planned stop's way back to its team's end point (session 38, QA 37 #1).

At planning time the solver's travel-time matrix knows, for every stop, how long its
team takes from that door to the end point; the phone and the coordination's forms count
it when an appointment agreed at that door would end after the shift. Visits stored
before this version have none (NULL): the check falls back to what the stored route's
times tell (:func:`hausbesuch.casework.wayback.way_back`).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 23:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('visits') as batch:
        batch.add_column(sa.Column('way_back_s', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('visits') as batch:
        batch.drop_column('way_back_s')
