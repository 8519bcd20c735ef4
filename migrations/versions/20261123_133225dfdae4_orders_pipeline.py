"""orders pipeline

Revision ID: 133225dfdae4
Revises: 
Create Date: 2026-11-23 10:41:27.032124
"""
from alembic import op
import sqlalchemy as sa
import shop_plugin.db


revision = '133225dfdae4'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('shops',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('domain', sa.String(length=255), nullable=False),
    sa.Column('installed_at', shop_plugin.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('uninstalled_at', shop_plugin.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', shop_plugin.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shops')),
    sa.UniqueConstraint('domain', name=op.f('uq_shops_domain'))
    )
    op.create_table('webhook_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('shop_domain', sa.String(length=255), nullable=False),
    sa.Column('webhook_id', sa.String(length=255), nullable=False),
    sa.Column('event_id', sa.String(length=255), nullable=True),
    sa.Column('topic', sa.String(length=100), nullable=False),
    sa.Column('api_version', sa.String(length=20), nullable=True),
    sa.Column('triggered_at', shop_plugin.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('headers', sa.JSON(), nullable=False),
    sa.Column('body', sa.LargeBinary(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('order_id', sa.BigInteger(), nullable=True),
    sa.Column('received_at', shop_plugin.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('next_attempt_at', shop_plugin.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('locked_until', shop_plugin.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('processed_at', shop_plugin.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_events')),
    sa.UniqueConstraint('shop_domain', 'webhook_id', name=op.f('uq_webhook_events_shop_domain_webhook_id'))
    )
    with op.batch_alter_table('webhook_events', schema=None) as batch_op:
        batch_op.create_index('ix_webhook_events_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index('ix_webhook_events_order', ['shop_domain', 'order_id'], unique=False)

    op.create_table('customer_data_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('webhook_event_id', sa.BigInteger(), nullable=False),
    sa.Column('customer_id', sa.BigInteger(), nullable=True),
    sa.Column('customer_email', sa.String(length=320), nullable=True),
    sa.Column('export', sa.JSON(), nullable=False),
    sa.Column('created_at', shop_plugin.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_customer_data_requests_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_data_requests')),
    sa.UniqueConstraint('webhook_event_id', name=op.f('uq_customer_data_requests_webhook_event_id'))
    )
    with op.batch_alter_table('customer_data_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customer_data_requests_shop_id'), ['shop_id'], unique=False)

    op.create_table('disputes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('shopify_id', sa.BigInteger(), nullable=False),
    sa.Column('order_shopify_id', sa.BigInteger(), nullable=True),
    sa.Column('type', sa.String(length=50), nullable=True),
    sa.Column('amount', sa.Numeric(precision=20, scale=4), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('reason', sa.String(length=100), nullable=True),
    sa.Column('status', sa.String(length=50), nullable=True),
    sa.Column('evidence_due_by', shop_plugin.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('evidence_sent_on', shop_plugin.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('finalized_on', shop_plugin.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('initiated_at', shop_plugin.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', shop_plugin.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_disputes_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disputes')),
    sa.UniqueConstraint('shop_id', 'shopify_id', name=op.f('uq_disputes_shop_id_shopify_id'))
    )
    with op.batch_alter_table('disputes', schema=None) as batch_op:
        batch_op.create_index('ix_disputes_order', ['shop_id', 'order_shopify_id'], unique=False)

    op.create_table('fulfillment_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('shopify_id', sa.BigInteger(), nullable=False),
    sa.Column('fulfillment_shopify_id', sa.BigInteger(), nullable=False),
    sa.Column('order_shopify_id', sa.BigInteger(), nullable=True),
    sa.Column('status', sa.String(length=50), nullable=True),
    sa.Column('message', sa.Text(), nullable=True),
    sa.Column('happened_at', shop_plugin.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('estimated_delivery_at', shop_plugin.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('city', sa.String(length=255), nullable=True),
    sa.Column('province', sa.String(length=255), nullable=True),
    sa.Column('country', sa.String(length=255), nullable=True),
    sa.Column('zip', sa.String(length=50), nullable=True),
    sa.Column('created_at', shop_plugin.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', shop_plugin.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_fulfillment_events_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fulfillment_events')),
    sa.UniqueConstraint('shop_id', 'shopify_id', name=op.f('uq_fulfillment_events_shop_id_shopify_id'))
    )
    with op.batch_alter_table('fulfillment_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fulfillment_events_fulfillment_shopify_id'), ['fulfillment_shopify_id'], unique=False)
        batch_op.create_index('ix_fulfillment_events_order', ['shop_id', 'order_shopify_id'], unique=False)

    op.create_table('fulfillments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('shopify_id', sa.BigInteger(), nullable=False),
    sa.Column('order_shopify_id', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=50), nullable=True),
    sa.Column('shipment_status', sa.String(length=50), nullable=True),
    sa.Column('tracking_company', sa.String(length=255), nullable=True),
    sa.Column('tracking_number', sa.String(length=255), nullable=True),
    sa.Column('tracking_numbers', sa.JSON(), nullable=False),
    sa.Column('tracking_urls', sa.JSON(), nullable=False),
    sa.Column('created_at', shop_plugin.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', shop_plugin.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_fulfillments_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fulfillments')),
    sa.UniqueConstraint('shop_id', 'shopify_id', name=op.f('uq_fulfillments_shop_id_shopify_id'))
    )
    with op.batch_alter_table('fulfillments', schema=None) as batch_op:
        batch_op.create_index('ix_fulfillments_order', ['shop_id', 'order_shopify_id'], unique=False)

    op.create_table('orders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('shopify_id', sa.BigInteger(), nullable=False),
    sa.Column('admin_graphql_api_id', sa.String(length=100), nullable=True),
    sa.Column('name', sa.String(length=100), nullable=True),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('phone', sa.String(length=50), nullable=True),
    sa.Column('customer_id', sa.BigInteger(), nullable=True),
    sa.Column('customer_name', sa.String(length=255), nullable=True),
    sa.Column('customer_locale', sa.String(length=20), nullable=True),
    sa.Column('shipping_address', sa.JSON(), nullable=True),
    sa.Column('destination_country', sa.String(length=2), nullable=True),
    sa.Column('financial_status', sa.String(length=50), nullable=True),
    sa.Column('fulfillment_status', sa.String(length=50), nullable=True),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('total_price', sa.Numeric(precision=20, scale=4), nullable=True),
    sa.Column('subtotal_price', sa.Numeric(precision=20, scale=4), nullable=True),
    sa.Column('shipping_lines', sa.JSON(), nullable=False),
    sa.Column('order_status_url', sa.Text(), nullable=True),
    sa.Column('created_at', shop_plugin.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', shop_plugin.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('processed_at', shop_plugin.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', shop_plugin.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', shop_plugin.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('stored_at', shop_plugin.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_orders_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_orders')),
    sa.UniqueConstraint('shop_id', 'shopify_id', name=op.f('uq_orders_shop_id_shopify_id'))
    )
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.create_index('ix_orders_shop_email', ['shop_id', 'email'], unique=False)

    op.create_table('refunds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('shopify_id', sa.BigInteger(), nullable=False),
    sa.Column('order_shopify_id', sa.BigInteger(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=20, scale=4), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('line_items', sa.JSON(), nullable=False),
    sa.Column('created_at', shop_plugin.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_refunds_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_refunds')),
    sa.UniqueConstraint('shop_id', 'shopify_id', name=op.f('uq_refunds_shop_id_shopify_id'))
    )
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.create_index('ix_refunds_order', ['shop_id', 'order_shopify_id'], unique=False)

    op.create_table('shop_tokens',
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('access_token', sa.LargeBinary(), nullable=False),
    sa.Column('refresh_token', sa.LargeBinary(), nullable=True),
    sa.Column('scope', sa.Text(), nullable=False),
    sa.Column('expires_at', shop_plugin.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('refresh_token_expires_at', shop_plugin.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('refresh_lock_until', shop_plugin.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', shop_plugin.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_shop_tokens_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('shop_id', name=op.f('pk_shop_tokens'))
    )
    op.create_table('order_line_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('shopify_id', sa.BigInteger(), nullable=False),
    sa.Column('product_id', sa.BigInteger(), nullable=True),
    sa.Column('variant_id', sa.BigInteger(), nullable=True),
    sa.Column('sku', sa.String(length=255), nullable=True),
    sa.Column('vendor', sa.String(length=255), nullable=True),
    sa.Column('title', sa.Text(), nullable=True),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('price', sa.Numeric(precision=20, scale=4), nullable=True),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_order_line_items_order_id_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_order_line_items_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_line_items')),
    sa.UniqueConstraint('order_id', 'shopify_id', name=op.f('uq_order_line_items_order_id_shopify_id'))
    )
    with op.batch_alter_table('order_line_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_line_items_shop_id'), ['shop_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('order_line_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_line_items_shop_id'))

    op.drop_table('order_line_items')
    op.drop_table('shop_tokens')
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.drop_index('ix_refunds_order')

    op.drop_table('refunds')
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_index('ix_orders_shop_email')

    op.drop_table('orders')
    with op.batch_alter_table('fulfillments', schema=None) as batch_op:
        batch_op.drop_index('ix_fulfillments_order')

    op.drop_table('fulfillments')
    with op.batch_alter_table('fulfillment_events', schema=None) as batch_op:
        batch_op.drop_index('ix_fulfillment_events_order')
        batch_op.drop_index(batch_op.f('ix_fulfillment_events_fulfillment_shopify_id'))

    op.drop_table('fulfillment_events')
    with op.batch_alter_table('disputes', schema=None) as batch_op:
        batch_op.drop_index('ix_disputes_order')

    op.drop_table('disputes')
    with op.batch_alter_table('customer_data_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customer_data_requests_shop_id'))

    op.drop_table('customer_data_requests')
    with op.batch_alter_table('webhook_events', schema=None) as batch_op:
        batch_op.drop_index('ix_webhook_events_order')
        batch_op.drop_index('ix_webhook_events_due')

    op.drop_table('webhook_events')
    op.drop_table('shops')
