"""Fixtures shared by the receiver's storage tests."""
from __future__ import annotations

import pytest

from shop_plugin.extensions import database
from webhooks.receiver import row_insert


@pytest.fixture
def insert(app):
    """The receiver's insert on this test's database; its held connection is given back afterwards."""
    with app.app_context():
        run = row_insert(database().engine)
    yield run
    run.close()
