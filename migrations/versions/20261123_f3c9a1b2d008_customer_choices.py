"""customer choices

Revision ID: f3c9a1b2d008
Revises: e2b8f0a1c007
Create Date: 2026-11-23 13:00:00
"""
from alembic import op
import sqlalchemy as sa
import shop_plugin.db


revision = 'f3c9a1b2d008'
down_revision = 'e2b8f0a1c007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('customer_choices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('order_shopify_id', sa.BigInteger(), nullable=False),
    sa.Column('reason', sa.String(length=40), nullable=False),
    sa.Column('locale', sa.String(length=20), nullable=False),
    sa.Column('nonce', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('offered_at', shop_plugin.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', shop_plugin.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('chosen', sa.String(length=20), nullable=True),
    sa.Column('chosen_at', shop_plugin.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('discount_percent', sa.Integer(), nullable=False),
    sa.Column('discount_code', sa.String(length=40), nullable=True),
    sa.Column('discount_shopify_id', sa.String(length=100), nullable=True),
    sa.Column('amount', sa.Numeric(precision=20, scale=4), nullable=True),
    sa.Column('refund_prompt_id', sa.Integer(), nullable=True),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['refund_prompt_id'], ['refund_prompts.id'], name=op.f('fk_customer_choices_refund_prompt_id_refund_prompts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_customer_choices_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_choices')),
    sa.UniqueConstraint('shop_id', 'order_shopify_id', name=op.f('uq_customer_choices_shop_id_order_shopify_id'))
    )


def downgrade() -> None:
    op.drop_table('customer_choices')
