"""order confirmation numbers

Revision ID: b7d2e4f1c222
Revises: a4e1c9d0b111
Create Date: 2026-12-03 18:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'b7d2e4f1c222'
down_revision = 'a4e1c9d0b111'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('orders') as batch_op:
        batch_op.add_column(sa.Column('confirmation_number', sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('orders') as batch_op:
        batch_op.drop_column('confirmation_number')
