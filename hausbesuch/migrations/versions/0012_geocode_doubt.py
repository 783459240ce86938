"""The geocoder's verdict kept with a plan's geocodes (``geocodes.doubt``).

The route page, the phone, the sheet and ``report.csv`` said „Adresse unsicher“ /
„bitte prüfen“ for every address found with a note, while the *Adressen* page listed only
those the geocoder was in doubt about (QA 22 F3): one verdict now, the geocoder's, stored
with the plan. Plans stored before keep NULL: their pages judge as before
(:func:`hausbesuch.plandata.address_in_doubt`).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('geocodes') as batch:
        batch.add_column(sa.Column('doubt', sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('geocodes') as batch:
        batch.drop_column('doubt')
