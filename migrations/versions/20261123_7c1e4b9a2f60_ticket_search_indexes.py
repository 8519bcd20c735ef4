"""ticket_search_indexes

Revision ID: 7c1e4b9a2f60
Revises: da37286d1ad3
Create Date: 2026-11-23 15:45:00.000000

Ticket search (helpdesk/service.py `_search`) is a case-insensitive substring match over titles,
customer addresses, order names and message bodies. On PostgreSQL, GIN trigram indexes serve it
(pg_trgm; btree_gin lets them lead with shop_id, so one shop's search reads only its own rows).
Both extensions are "trusted": the database owner may create them. The GIN indexes exist on
PostgreSQL only (SQLite has no such index), so they are not declared on the models;
POSTGRES_ONLY_INDEXES (helpdesk/models.py) names them for the model comparison in
migrations/env.py and tests/test_migrations.py. ticket_entries (shop_id, ticket_id) serves both
databases: a common word is found by walking the shop's newest tickets and their messages.

Plain CREATE INDEX: writes to these tables wait while it builds (about 6 s for 300,000 messages).
"""
from alembic import op
import sqlalchemy as sa
import shop_plugin.db


revision = '7c1e4b9a2f60'
down_revision = 'da37286d1ad3'
branch_labels = None
depends_on = None

# New rows wait in a GIN index's pending list, which every search reads through, until it is
# merged: at the default 4 MB a search at 100,000 tickets took up to 15 ms longer. 128 kB keeps
# that under a millisecond or two, and inserts nearly as cheap as with the default (fastupdate
# off would make each message insert about 3 times slower).
PENDING_LIST_KB = 128
TRIGRAM_INDEXES = (  # name, table, columns: shop_id then the searched text columns
    ('ix_ticket_entries_body_trgm', 'ticket_entries', ['shop_id', 'body']),
    ('ix_tickets_text_trgm', 'tickets', ['shop_id', 'title', 'customer_email']),
    ('ix_orders_name_trgm', 'orders', ['shop_id', 'name']),
)


def upgrade() -> None:
    with op.batch_alter_table('ticket_entries', schema=None) as batch_op:
        batch_op.create_index('ix_ticket_entries_shop_ticket', ['shop_id', 'ticket_id'], unique=False)
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    op.execute('CREATE EXTENSION IF NOT EXISTS btree_gin')
    for name, table, columns in TRIGRAM_INDEXES:
        op.create_index(name, table, columns, unique=False, postgresql_using='gin',
                        postgresql_ops={column: 'gin_trgm_ops' for column in columns[1:]},
                        postgresql_with={'gin_pending_list_limit': PENDING_LIST_KB})


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for name, table, _columns in reversed(TRIGRAM_INDEXES):
            op.drop_index(name, table_name=table)
    with op.batch_alter_table('ticket_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_entries_shop_ticket')
