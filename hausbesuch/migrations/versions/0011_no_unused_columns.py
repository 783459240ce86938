"""Unevaluated columns of the client list are no longer kept: the values earlier versions
stored (``clients.extra``, ``plan_clients.extra``: a phone number, a date of birth, …,
used by nothing) are emptied (data minimisation, §67c SGB X). The columns stay, empty.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 15:40:00
"""

from __future__ import annotations

from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("clients", "plan_clients"):
        op.execute(f"UPDATE {table} SET extra = '[]' WHERE extra IS NULL OR extra <> '[]'")


def downgrade() -> None:
    """Nothing to give back: the values are gone."""
