"""inbound sender verified

Revision ID: c1f3a5b7d333
Revises: b7d2e4f1c222
Create Date: 2026-12-03 19:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'c1f3a5b7d333'
down_revision = 'b7d2e4f1c222'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('ticket_entries') as batch_op:
        batch_op.add_column(sa.Column('sender_verified', sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('ticket_entries') as batch_op:
        batch_op.drop_column('sender_verified')
