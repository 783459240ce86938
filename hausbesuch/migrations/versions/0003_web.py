"""Web app: users, sessions, login attempts, worker links, background jobs, secrets.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 23:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('web_users',
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('password_hash', sa.Text(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('city', sa.String(length=120), nullable=True),
    sa.Column('disabled', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('password_changed_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_web_users'))
    )
    op.create_table('web_sessions',
    sa.Column('id_hash', sa.String(length=64), nullable=False),
    sa.Column('user_name', sa.String(length=120), nullable=False),
    sa.Column('csrf_token', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_seen', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id_hash', name=op.f('pk_web_sessions'))
    )
    op.create_index(op.f('ix_web_sessions_user_name'), 'web_sessions', ['user_name'])
    op.create_table('web_login_attempts',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('user_name', sa.String(length=120), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_web_login_attempts'))
    )
    op.create_index(op.f('ix_web_login_attempts_at'), 'web_login_attempts', ['at'])
    op.create_index(op.f('ix_web_login_attempts_user_name'), 'web_login_attempts', ['user_name'])
    op.create_index(op.f('ix_web_login_attempts_address'), 'web_login_attempts', ['address'])
    op.create_table('web_worker_links',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('city', sa.String(length=120), nullable=False),
    sa.Column('plan_id', sa.String(length=64), nullable=False),
    sa.Column('team_id', sa.String(length=64), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_by', sa.String(length=120), nullable=True),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_web_worker_links'))
    )
    op.create_index(op.f('ix_web_worker_links_prefix'), 'web_worker_links', ['prefix'])
    op.create_index(op.f('ix_web_worker_links_plan_id'), 'web_worker_links', ['plan_id'])
    op.create_table('web_jobs',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('city', sa.String(length=120), nullable=False),
    sa.Column('params', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('stage', sa.Text(), nullable=False),
    sa.Column('progress', sa.Double(), nullable=False),
    sa.Column('plan_id', sa.String(length=64), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('heartbeat', sa.DateTime(), nullable=True),
    sa.Column('worker', sa.String(length=120), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_web_jobs'))
    )
    op.create_index(op.f('ix_web_jobs_city'), 'web_jobs', ['city'])
    op.create_index(op.f('ix_web_jobs_status'), 'web_jobs', ['status'])
    op.create_table('web_secrets',
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_web_secrets'))
    )


def downgrade() -> None:
    op.drop_table('web_secrets')
    op.drop_index(op.f('ix_web_jobs_status'), table_name='web_jobs')
    op.drop_index(op.f('ix_web_jobs_city'), table_name='web_jobs')
    op.drop_table('web_jobs')
    op.drop_index(op.f('ix_web_worker_links_plan_id'), table_name='web_worker_links')
    op.drop_index(op.f('ix_web_worker_links_prefix'), table_name='web_worker_links')
    op.drop_table('web_worker_links')
    op.drop_index(op.f('ix_web_login_attempts_address'), table_name='web_login_attempts')
    op.drop_index(op.f('ix_web_login_attempts_user_name'), table_name='web_login_attempts')
    op.drop_index(op.f('ix_web_login_attempts_at'), table_name='web_login_attempts')
    op.drop_table('web_login_attempts')
    op.drop_index(op.f('ix_web_sessions_user_name'), table_name='web_sessions')
    op.drop_table('web_sessions')
    op.drop_table('web_users')
