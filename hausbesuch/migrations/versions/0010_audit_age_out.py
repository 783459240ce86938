"""The audit log can age out: its triggers let rows older than a cutoff go while that
cutoff stands in ``audit_prune_gate`` (``Store.prune_audit``, ``hausbesuch cleanup
--audit-days``), and only a cutoff at least :data:`FLOOR_DAYS` days old counts (a row put
into the gate by hand cannot open recent rows); every other UPDATE, DELETE (and, on
PostgreSQL, TRUNCATE) is refused as before.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

MESSAGE = "audit_log is append-only"
#: The youngest cutoff the gate honours: a day below ``hausbesuch.web.retention.MIN_AUDIT_DAYS``
#: (90), because the app counts days on the German date and the database's clock may be
#: UTC (SQLite) or the server's zone: at 00:30 German time the German date is a day ahead.
FLOOR_DAYS = 89


def upgrade() -> None:
    op.create_table('audit_prune_gate',
                    sa.Column('cutoff', sa.DateTime(), nullable=False),
                    sa.PrimaryKeyConstraint('cutoff'))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$
            BEGIN
                IF TG_OP = 'DELETE' AND EXISTS (
                        SELECT 1 FROM audit_prune_gate WHERE OLD.at < cutoff
                        AND cutoff <= LOCALTIMESTAMP - INTERVAL '{FLOOR_DAYS} days') THEN
                    RETURN OLD;
                END IF;
                RAISE EXCEPTION '{MESSAGE}';
            END
            $$ LANGUAGE plpgsql""")
        return
    op.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
    op.execute("CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
               "WHEN NOT EXISTS (SELECT 1 FROM audit_prune_gate "
               "WHERE OLD.at < audit_prune_gate.cutoff "
               f"AND audit_prune_gate.cutoff <= datetime('now', '-{FLOOR_DAYS} days')) "
               f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION '{MESSAGE}';
            END
            $$ LANGUAGE plpgsql""")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
        op.execute("CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
                   f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END")
    op.drop_table('audit_prune_gate')
