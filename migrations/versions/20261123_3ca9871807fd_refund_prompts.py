"""refund prompts

Revision ID: 3ca9871807fd
Revises: b8575d32fd10
Create Date: 2026-11-23 11:39:36.133610
"""
from alembic import op
import sqlalchemy as sa
import shop_plugin.db


revision = '3ca9871807fd'
down_revision = 'b8575d32fd10'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('refund_prompts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('order_shopify_id', sa.BigInteger(), nullable=False),
    sa.Column('trigger', sa.String(length=40), nullable=False),
    sa.Column('recommended', sa.String(length=20), nullable=False),
    sa.Column('amount', sa.Numeric(precision=20, scale=4), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('expected_chargeback_cost', sa.Numeric(precision=20, scale=4), nullable=False),
    sa.Column('rationale', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('idempotency_key', sa.String(length=64), nullable=True),
    sa.Column('refund_shopify_id', sa.String(length=100), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_at', shop_plugin.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('attempted_at', shop_plugin.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_at', shop_plugin.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_refund_prompts_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_refund_prompts')),
    sa.UniqueConstraint('shop_id', 'order_shopify_id', 'trigger', name=op.f('uq_refund_prompts_shop_id_order_shopify_id_trigger'))
    )
    with op.batch_alter_table('refund_prompts', schema=None) as batch_op:
        batch_op.create_index('ix_refund_prompts_shop_list', ['shop_id', 'id'], unique=False)
        batch_op.create_index('uq_refund_prompts_pending', ['shop_id', 'order_shopify_id'], unique=True, sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))



def downgrade() -> None:
    with op.batch_alter_table('refund_prompts', schema=None) as batch_op:
        batch_op.drop_index('uq_refund_prompts_pending', sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))
        batch_op.drop_index('ix_refund_prompts_shop_list')

    op.drop_table('refund_prompts')
