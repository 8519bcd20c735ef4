"""reconciliation

Revision ID: e2b8f0a1c007
Revises: d1a7e5c0de06
Create Date: 2026-11-23 13:00:00
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
import shop_plugin.db  # noqa: F401


revision = 'e2b8f0a1c007'
down_revision = 'd1a7e5c0de06'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
