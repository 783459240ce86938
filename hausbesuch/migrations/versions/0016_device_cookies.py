"""Device cookies (QA 28 #2, OWASP "device cookie"): a browser that logged in to an account
before is not locked out by failed logins of others.

``web_devices`` keeps the SHA-256 of each device cookie's random token with the account it
was set for at a successful login; ``web_login_attempts.device`` marks a failed try that
carried a valid one (counted per device, not towards the account's limits).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 09:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('web_devices',
    sa.Column('id_hash', sa.String(length=64), nullable=False),
    sa.Column('user_name', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_used', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id_hash', name=op.f('pk_web_devices'))
    )
    op.create_index(op.f('ix_web_devices_user_name'), 'web_devices', ['user_name'])
    with op.batch_alter_table('web_login_attempts') as batch:
        batch.add_column(sa.Column('device', sa.String(length=64), nullable=True))
        batch.create_index(op.f('ix_web_login_attempts_device'), ['device'])


def downgrade() -> None:
    with op.batch_alter_table('web_login_attempts') as batch:
        batch.drop_index(op.f('ix_web_login_attempts_device'))
        batch.drop_column('device')
    op.drop_index(op.f('ix_web_devices_user_name'), table_name='web_devices')
    op.drop_table('web_devices')
