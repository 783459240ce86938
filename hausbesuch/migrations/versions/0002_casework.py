"""Casework: case status and its history, address fixes, visits with stable ids, outcomes,
the audit log, plan versions; per-visit tries in stored plans.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('clients') as b:
        b.add_column(sa.Column('status', sa.String(length=20), server_default='offen', nullable=False))
        b.add_column(sa.Column('status_since', sa.DateTime(), nullable=True))
        b.add_column(sa.Column('status_reason', sa.Text(), nullable=True))
        b.add_column(sa.Column('pin_team', sa.String(length=64), nullable=True))
        b.add_column(sa.Column('pin_day', sa.Date(), nullable=True))
        b.add_column(sa.Column('pin_time_min', sa.Integer(), nullable=True))
        b.add_column(sa.Column('pin_source', sa.String(length=20), nullable=True))
        b.add_column(sa.Column('given_lon', sa.Double(), nullable=True))
        b.add_column(sa.Column('given_lat', sa.Double(), nullable=True))
    with op.batch_alter_table('plans') as b:
        b.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))
        b.add_column(sa.Column('predecessor_id', sa.String(length=64), nullable=True))
        b.add_column(sa.Column('status', sa.String(length=20), server_default='fertig', nullable=False))
        b.add_column(sa.Column('error', sa.Text(), nullable=True))
        b.add_column(sa.Column('created_by', sa.String(length=120), nullable=True))
        b.add_column(sa.Column('params', sa.Text(), server_default='{}', nullable=False))
    with op.batch_alter_table('visits') as b:
        b.add_column(sa.Column('visit_id', sa.String(length=64), nullable=True))
        b.add_column(sa.Column('tries_before', sa.Integer(), server_default='0', nullable=False))
    with op.batch_alter_table('unassigned') as b:
        b.add_column(sa.Column('tries_before', sa.Integer(), server_default='0', nullable=False))

    op.create_table('case_status_history',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('city', sa.String(length=120), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.Column('changed_by', sa.String(length=120), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_status_history'))
    )
    op.create_index(op.f('ix_case_status_history_client_id'), 'case_status_history', ['client_id'], unique=False)
    op.create_table('address_fixes',
    sa.Column('city', sa.String(length=120), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('source_address', sa.Text(), nullable=False),
    sa.Column('address', sa.Text(), nullable=True),
    sa.Column('lon', sa.Double(), nullable=True),
    sa.Column('lat', sa.Double(), nullable=True),
    sa.Column('fixed_by', sa.String(length=120), nullable=False),
    sa.Column('fixed_at', sa.DateTime(), nullable=False),
    sa.Column('stale', sa.Boolean(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('city', 'client_id', name=op.f('pk_address_fixes'))
    )
    op.create_table('case_visits',
    sa.Column('visit_id', sa.String(length=64), nullable=False),
    sa.Column('city', sa.String(length=120), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('try_no', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.String(length=64), nullable=True),
    sa.Column('team_id', sa.String(length=64), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('start_at', sa.DateTime(), nullable=False),
    sa.Column('end_at', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('pinned', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('announced_at', sa.DateTime(), nullable=True),
    sa.Column('promised_start', sa.DateTime(), nullable=True),
    sa.Column('promised_end', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('visit_id', name=op.f('pk_case_visits'))
    )
    op.create_index(op.f('ix_case_visits_client_id'), 'case_visits', ['client_id'], unique=False)
    op.create_index(op.f('ix_case_visits_plan_id'), 'case_visits', ['plan_id'], unique=False)
    op.create_table('outcomes',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('visit_id', sa.String(length=64), nullable=True),
    sa.Column('city', sa.String(length=120), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('time_min', sa.Integer(), nullable=True),
    sa.Column('result', sa.String(length=30), nullable=False),
    sa.Column('appointment_at', sa.DateTime(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('recorded_by', sa.String(length=120), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('idempotency_key', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outcomes')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_outcomes_idempotency_key'))
    )
    op.create_index(op.f('ix_outcomes_client_id'), 'outcomes', ['client_id'], unique=False)
    op.create_index(op.f('ix_outcomes_visit_id'), 'outcomes', ['visit_id'], unique=False)
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('city', sa.String(length=120), nullable=True),
    sa.Column('client_id', sa.String(length=64), nullable=True),
    sa.Column('plan_id', sa.String(length=64), nullable=True),
    sa.Column('visit_id', sa.String(length=64), nullable=True),
    sa.Column('details', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    op.create_index(op.f('ix_audit_log_at'), 'audit_log', ['at'], unique=False)
    op.create_index(op.f('ix_audit_log_client_id'), 'audit_log', ['client_id'], unique=False)


def downgrade() -> None:
    for table, indexes in (
        ('audit_log', ('ix_audit_log_client_id', 'ix_audit_log_at')),
        ('outcomes', ('ix_outcomes_visit_id', 'ix_outcomes_client_id')),
        ('case_visits', ('ix_case_visits_plan_id', 'ix_case_visits_client_id')),
        ('address_fixes', ()),
        ('case_status_history', ('ix_case_status_history_client_id',)),
    ):
        for ix in indexes:
            op.drop_index(op.f(ix), table_name=table)
        op.drop_table(table)
    with op.batch_alter_table('unassigned') as b:
        b.drop_column('tries_before')
    with op.batch_alter_table('visits') as b:
        b.drop_column('tries_before')
        b.drop_column('visit_id')
    with op.batch_alter_table('plans') as b:
        for c in ('params', 'created_by', 'error', 'status', 'predecessor_id', 'version'):
            b.drop_column(c)
    with op.batch_alter_table('clients') as b:
        for c in ('given_lat', 'given_lon', 'pin_source', 'pin_time_min', 'pin_day', 'pin_team',
                  'status_reason', 'status_since', 'status'):
            b.drop_column(c)
