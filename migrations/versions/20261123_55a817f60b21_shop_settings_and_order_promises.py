"""shop settings and order promises

Revision ID: 55a817f60b21
Revises: 133225dfdae4
Create Date: 2026-11-23 10:54:29.789691
"""
from alembic import op
import sqlalchemy as sa
import shop_plugin.db


revision = '55a817f60b21'
down_revision = '133225dfdae4'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('order_promises',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('order_shopify_id', sa.BigInteger(), nullable=False),
    sa.Column('ship_from', sa.Date(), nullable=False),
    sa.Column('ship_by', sa.Date(), nullable=False),
    sa.Column('deliver_from', sa.Date(), nullable=True),
    sa.Column('deliver_to', sa.Date(), nullable=True),
    sa.Column('adjustments', sa.JSON(), nullable=False),
    sa.Column('locale', sa.String(length=20), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('policies', sa.JSON(), nullable=False),
    sa.Column('settings_version', sa.Integer(), nullable=False),
    sa.Column('computed_at', shop_plugin.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_order_promises_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_promises')),
    sa.UniqueConstraint('shop_id', 'order_shopify_id', name=op.f('uq_order_promises_shop_id_order_shopify_id'))
    )
    op.create_table('shop_settings',
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('document', sa.JSON(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', shop_plugin.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_shop_settings_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('shop_id', name=op.f('pk_shop_settings'))
    )
    with op.batch_alter_table('shops', schema=None) as batch_op:
        batch_op.add_column(sa.Column('timezone', sa.String(length=64), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('shops', schema=None) as batch_op:
        batch_op.drop_column('timezone')

    op.drop_table('shop_settings')
    op.drop_table('order_promises')
