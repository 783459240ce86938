"""The last import of a client list per city, with its rejected rows (QA 22 F10).

The web's upload showed the rows an import rejected once, on its result page: leave the
page and they were gone (``rejected_rows`` holds the rows of ``plan LISTE`` only). The
city's last import (when, by whom, counts) and its rejected rows (row, Kundennummer,
field, reason without typed names or addresses) are now kept until its next import.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 17:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'last_imports',
        sa.Column('city', sa.String(length=120), nullable=False),
        sa.Column('imported_at', sa.DateTime(), nullable=False),
        sa.Column('imported_by', sa.String(length=120), nullable=False),
        sa.Column('total_rows', sa.Integer(), nullable=False),
        sa.Column('new', sa.Integer(), nullable=False),
        sa.Column('updated', sa.Integer(), nullable=False),
        sa.Column('unchanged', sa.Integer(), nullable=False),
        sa.Column('rejected', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('city', name=op.f('pk_last_imports')),
    )
    op.create_table(
        'import_rejections',
        sa.Column('city', sa.String(length=120), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('input_row', sa.Integer(), nullable=False),
        sa.Column('client_id', sa.String(length=200), nullable=True),
        sa.Column('field_name', sa.Text(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['city'], ['last_imports.city'],
                                name=op.f('fk_import_rejections_city_last_imports'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('city', 'seq', name=op.f('pk_import_rejections')),
    )


def downgrade() -> None:
    op.drop_table('import_rejections')
    op.drop_table('last_imports')
