"""delay checks, tickets and notices

Revision ID: b8575d32fd10
Revises: b24565a63abb
Create Date: 2026-11-23 11:18:29.827751
"""
from alembic import op
import sqlalchemy as sa
import shop_plugin.db


revision = 'b8575d32fd10'
down_revision = 'b24565a63abb'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('notice_opt_outs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('created_at', shop_plugin.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_notice_opt_outs_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice_opt_outs')),
    sa.UniqueConstraint('shop_id', 'email', name=op.f('uq_notice_opt_outs_shop_id_email'))
    )
    op.create_table('notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('order_shopify_id', sa.BigInteger(), nullable=False),
    sa.Column('reason', sa.String(length=40), nullable=False),
    sa.Column('locale', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('detail', sa.String(length=200), nullable=True),
    sa.Column('created_at', shop_plugin.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', shop_plugin.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_notices_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notices')),
    sa.UniqueConstraint('shop_id', 'order_shopify_id', 'reason', name=op.f('uq_notices_shop_id_order_shopify_id_reason'))
    )
    op.create_table('order_checks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('order_shopify_id', sa.BigInteger(), nullable=False),
    sa.Column('next_check_at', shop_plugin.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('active_reasons', sa.JSON(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('checked_at', shop_plugin.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', shop_plugin.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_order_checks_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_checks')),
    sa.UniqueConstraint('shop_id', 'order_shopify_id', name=op.f('uq_order_checks_shop_id_order_shopify_id'))
    )
    with op.batch_alter_table('order_checks', schema=None) as batch_op:
        batch_op.create_index('ix_order_checks_due', ['next_check_at', 'id'], unique=False)

    op.create_table('tickets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('order_shopify_id', sa.BigInteger(), nullable=True),
    sa.Column('subject', sa.String(length=60), nullable=False),
    sa.Column('reason', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('priority', sa.String(length=20), nullable=False),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('created_at', shop_plugin.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', shop_plugin.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('first_response_due_at', shop_plugin.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolution_due_at', shop_plugin.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolved_at', shop_plugin.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_tickets_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tickets'))
    )
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.create_index('ix_tickets_order', ['shop_id', 'order_shopify_id'], unique=False)
        batch_op.create_index('ix_tickets_shop_list', ['shop_id', 'id'], unique=False)
        batch_op.create_index('uq_tickets_open_per_reason', ['shop_id', 'subject', 'reason'], unique=True, sqlite_where=sa.text("status IN ('open', 'pending')"), postgresql_where=sa.text("status IN ('open', 'pending')"))

    op.create_table('ticket_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('author', sa.String(length=100), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', shop_plugin.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_ticket_entries_shop_id_shops'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_entries_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_entries'))
    )
    with op.batch_alter_table('ticket_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_entries_ticket_id'), ['ticket_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('ticket_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_entries_ticket_id'))

    op.drop_table('ticket_entries')
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index('uq_tickets_open_per_reason', sqlite_where=sa.text("status IN ('open', 'pending')"), postgresql_where=sa.text("status IN ('open', 'pending')"))
        batch_op.drop_index('ix_tickets_shop_list')
        batch_op.drop_index('ix_tickets_order')

    op.drop_table('tickets')
    with op.batch_alter_table('order_checks', schema=None) as batch_op:
        batch_op.drop_index('ix_order_checks_due')

    op.drop_table('order_checks')
    op.drop_table('notices')
    op.drop_table('notice_opt_outs')
