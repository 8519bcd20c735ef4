"""ticket_tags_statistics

Revision ID: 8d2f5c3b1a70
Revises: 7c1e4b9a2f60
Create Date: 2026-11-23 17:30:00.000000

The inbox's tag filter is `CAST(tags AS VARCHAR) LIKE '%"tag"%'` (helpdesk/service.py). Without
statistics on that expression PostgreSQL guesses it matches almost nothing, and for "tag and
assignee" read all of an assignee's tickets and sorted them (18 ms at 100,000 tickets) instead of
walking ix_tickets_assignee newest first until the page is full (0.4 ms). Statistics on the
expression (PostgreSQL 14+) give it the real share. SQLite: nothing to do.
"""
from alembic import op


revision = '8d2f5c3b1a70'
down_revision = '7c1e4b9a2f60'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('CREATE STATISTICS IF NOT EXISTS st_tickets_tags_text ON (CAST(tags AS VARCHAR)) FROM tickets')
        op.execute('ANALYZE tickets')


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP STATISTICS IF EXISTS st_tickets_tags_text')
