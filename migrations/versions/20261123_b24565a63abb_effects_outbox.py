"""effects outbox

Revision ID: b24565a63abb
Revises: 55a817f60b21
Create Date: 2026-11-23 10:57:19.140994
"""
from alembic import op
import sqlalchemy as sa
import shop_plugin.db


revision = 'b24565a63abb'
down_revision = '55a817f60b21'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('effects',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=50), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('result', sa.JSON(none_as_null=True), nullable=True),
    sa.Column('next_attempt_at', shop_plugin.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('locked_until', shop_plugin.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', shop_plugin.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('done_at', shop_plugin.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_effects_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_effects')),
    sa.UniqueConstraint('shop_id', 'kind', 'key', name=op.f('uq_effects_shop_id_kind_key'))
    )
    with op.batch_alter_table('effects', schema=None) as batch_op:
        batch_op.create_index('ix_effects_due', ['status', 'next_attempt_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('effects', schema=None) as batch_op:
        batch_op.drop_index('ix_effects_due')

    op.drop_table('effects')
