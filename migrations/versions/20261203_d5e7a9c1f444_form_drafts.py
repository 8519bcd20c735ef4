"""form drafts

Revision ID: d5e7a9c1f444
Revises: c1f3a5b7d333
Create Date: 2026-12-03 22:40:00
"""
from alembic import op
import sqlalchemy as sa

import shop_plugin.db


revision = 'd5e7a9c1f444'
down_revision = 'c1f3a5b7d333'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'form_drafts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('shop_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.String(length=64), nullable=False),
        sa.Column('path', sa.String(length=512), nullable=False),
        sa.Column('fields', sa.Text(), nullable=False),
        sa.Column('saved_at', shop_plugin.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('shop_id', 'user_id', 'path', name='uq_form_drafts_shop_user_path'),
    )


def downgrade() -> None:
    op.drop_table('form_drafts')
