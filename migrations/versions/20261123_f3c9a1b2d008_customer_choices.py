"""customer choices

Revision ID: f3c9a1b2d008
Revises: e2b8f0a1c007
Create Date: 2026-11-23 13:00:00
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
import shop_plugin.db  # noqa: F401


revision = 'f3c9a1b2d008'
down_revision = 'e2b8f0a1c007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
