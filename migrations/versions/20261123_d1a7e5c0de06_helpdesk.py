"""helpdesk

Revision ID: d1a7e5c0de06
Revises: 3ca9871807fd
Create Date: 2026-11-23 13:00:00
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
import shop_plugin.db  # noqa: F401


revision = 'd1a7e5c0de06'
down_revision = '3ca9871807fd'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
