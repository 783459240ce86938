"""Initial schema: clients, districts, plans with routes, visits, unassigned and rejected rows.

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-28 04:26:23.649958
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('clients',
    sa.Column('city', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('input_row', sa.Integer(), nullable=False),
    sa.Column('name', sa.Text(), nullable=True),
    sa.Column('address', sa.Text(), nullable=False),
    sa.Column('street', sa.Text(), nullable=True),
    sa.Column('housenumber', sa.Text(), nullable=True),
    sa.Column('postcode', sa.Text(), nullable=True),
    sa.Column('town', sa.Text(), nullable=True),
    sa.Column('kontakt_abbruch_seit', sa.Date(), nullable=True),
    sa.Column('sprache', sa.Text(), nullable=False),
    sa.Column('zeitfenster', sa.Text(), nullable=False),
    sa.Column('angekuendigt_ab', sa.Date(), nullable=True),
    sa.Column('besuchsdauer_min', sa.Integer(), nullable=True),
    sa.Column('notiz', sa.Text(), nullable=True),
    sa.Column('extra', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('city', 'client_id', name=op.f('pk_clients'))
    )
    op.create_table('districts',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('city', sa.String(length=120), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('geometry', sa.Text(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_districts')),
    sa.UniqueConstraint('city', 'name', name=op.f('uq_districts_city'))
    )
    op.create_table('plans',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('city', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('start', sa.Date(), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('solution', sa.Text(), nullable=False),
    sa.Column('saved_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plans'))
    )
    op.create_index(op.f('ix_plans_city'), 'plans', ['city'], unique=False)
    op.create_index(op.f('ix_plans_created_at'), 'plans', ['created_at'], unique=False)
    op.create_table('geocodes',
    sa.Column('plan_id', sa.String(length=64), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('lon', sa.Double(), nullable=True),
    sa.Column('lat', sa.Double(), nullable=True),
    sa.Column('quality', sa.String(length=20), nullable=False),
    sa.Column('score', sa.Double(), nullable=False),
    sa.Column('match_text', sa.Text(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('district', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_geocodes_plan_id_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('plan_id', 'seq', name=op.f('pk_geocodes'))
    )
    op.create_table('plan_clients',
    sa.Column('plan_id', sa.String(length=64), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('input_row', sa.Integer(), nullable=False),
    sa.Column('name', sa.Text(), nullable=True),
    sa.Column('address', sa.Text(), nullable=False),
    sa.Column('street', sa.Text(), nullable=True),
    sa.Column('housenumber', sa.Text(), nullable=True),
    sa.Column('postcode', sa.Text(), nullable=True),
    sa.Column('town', sa.Text(), nullable=True),
    sa.Column('kontakt_abbruch_seit', sa.Date(), nullable=True),
    sa.Column('sprache', sa.Text(), nullable=False),
    sa.Column('zeitfenster', sa.Text(), nullable=False),
    sa.Column('angekuendigt_ab', sa.Date(), nullable=True),
    sa.Column('besuchsdauer_min', sa.Integer(), nullable=True),
    sa.Column('notiz', sa.Text(), nullable=True),
    sa.Column('extra', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_plan_clients_plan_id_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('plan_id', 'seq', name=op.f('pk_plan_clients'))
    )
    op.create_table('plan_routes',
    sa.Column('plan_id', sa.String(length=64), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=64), nullable=False),
    sa.Column('team_label', sa.Text(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('mode', sa.String(length=10), nullable=False),
    sa.Column('start_lon', sa.Double(), nullable=False),
    sa.Column('start_lat', sa.Double(), nullable=False),
    sa.Column('end_lon', sa.Double(), nullable=False),
    sa.Column('end_lat', sa.Double(), nullable=False),
    sa.Column('start_label', sa.Text(), nullable=False),
    sa.Column('depart', sa.DateTime(), nullable=False),
    sa.Column('return_at', sa.DateTime(), nullable=False),
    sa.Column('travel_s', sa.Integer(), nullable=False),
    sa.Column('distance_m', sa.Integer(), nullable=False),
    sa.Column('service_s', sa.Integer(), nullable=False),
    sa.Column('waiting_s', sa.Integer(), nullable=False),
    sa.Column('lunch_start', sa.DateTime(), nullable=True),
    sa.Column('lunch_end', sa.DateTime(), nullable=True),
    sa.Column('legs', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_plan_routes_plan_id_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('plan_id', 'seq', name=op.f('pk_plan_routes'))
    )
    op.create_table('rejected_rows',
    sa.Column('plan_id', sa.String(length=64), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('input_row', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.String(length=200), nullable=True),
    sa.Column('field_name', sa.Text(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_rejected_rows_plan_id_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('plan_id', 'seq', name=op.f('pk_rejected_rows'))
    )
    op.create_table('unassigned',
    sa.Column('plan_id', sa.String(length=64), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('lon', sa.Double(), nullable=True),
    sa.Column('lat', sa.Double(), nullable=True),
    sa.Column('address', sa.Text(), nullable=False),
    sa.Column('district', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_unassigned_plan_id_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('plan_id', 'seq', name=op.f('pk_unassigned'))
    )
    op.create_table('visits',
    sa.Column('plan_id', sa.String(length=64), nullable=False),
    sa.Column('route_seq', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=64), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('arrival', sa.DateTime(), nullable=False),
    sa.Column('start_at', sa.DateTime(), nullable=False),
    sa.Column('end_at', sa.DateTime(), nullable=False),
    sa.Column('lon', sa.Double(), nullable=False),
    sa.Column('lat', sa.Double(), nullable=False),
    sa.Column('address', sa.Text(), nullable=False),
    sa.Column('district', sa.Text(), nullable=False),
    sa.Column('window_text', sa.Text(), nullable=False),
    sa.Column('notiz', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['plan_id', 'route_seq'], ['plan_routes.plan_id', 'plan_routes.seq'], name=op.f('fk_visits_plan_id_plan_routes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('plan_id', 'route_seq', 'seq', name=op.f('pk_visits'))
    )
    op.create_index(op.f('ix_visits_client_id'), 'visits', ['client_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_visits_client_id'), table_name='visits')
    op.drop_table('visits')
    op.drop_table('unassigned')
    op.drop_table('rejected_rows')
    op.drop_table('plan_routes')
    op.drop_table('plan_clients')
    op.drop_table('geocodes')
    op.drop_index(op.f('ix_plans_created_at'), table_name='plans')
    op.drop_index(op.f('ix_plans_city'), table_name='plans')
    op.drop_table('plans')
    op.drop_table('districts')
    op.drop_table('clients')
