"""retention marks

Revision ID: a4e1c9d0b111
Revises: 8d2f5c3b1a70
Create Date: 2026-12-03 14:50:00
"""
from alembic import op
import sqlalchemy as sa
import shop_plugin.db


revision = 'a4e1c9d0b111'
down_revision = '8d2f5c3b1a70'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('retention_marks',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('last_id', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', shop_plugin.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_retention_marks'))
    )


def downgrade() -> None:
    op.drop_table('retention_marks')
