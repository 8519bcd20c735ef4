"""reconciliation

Revision ID: e2b8f0a1c007
Revises: d1a7e5c0de06
Create Date: 2026-11-23 13:00:00
"""
from alembic import op
import sqlalchemy as sa
import shop_plugin.db


revision = 'e2b8f0a1c007'
down_revision = 'd1a7e5c0de06'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('reconcile_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('active_key', sa.String(length=20), nullable=True),
    sa.Column('since', shop_plugin.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('cursor', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('pages', sa.Integer(), nullable=False),
    sa.Column('orders_seen', sa.Integer(), nullable=False),
    sa.Column('orders_applied', sa.Integer(), nullable=False),
    sa.Column('total_estimate', sa.Integer(), nullable=True),
    sa.Column('next_attempt_at', shop_plugin.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('locked_until', shop_plugin.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', shop_plugin.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('started_at', shop_plugin.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', shop_plugin.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_reconcile_runs_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reconcile_runs')),
    sa.UniqueConstraint('shop_id', 'active_key', name=op.f('uq_reconcile_runs_shop_id_active_key'))
    )
    with op.batch_alter_table('reconcile_runs', schema=None) as batch_op:
        batch_op.create_index('ix_reconcile_runs_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index('ix_reconcile_runs_shop', ['shop_id', 'kind'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('reconcile_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_reconcile_runs_shop')
        batch_op.drop_index('ix_reconcile_runs_due')

    op.drop_table('reconcile_runs')
