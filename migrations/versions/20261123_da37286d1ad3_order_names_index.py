"""order_names_index

Revision ID: da37286d1ad3
Revises: f3c9a1b2d008
Create Date: 2026-11-23 14:53:04.486720
"""
from alembic import op
import sqlalchemy as sa
import shop_plugin.db


revision = 'da37286d1ad3'
down_revision = 'f3c9a1b2d008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.create_index('ix_orders_shop_name', ['shop_id', 'name'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_index('ix_orders_shop_name')

