"""The shop installed through App Home, for the admin page tests."""
from __future__ import annotations

import pytest

from tests.admin.support import install


@pytest.fixture
def installed(app, client):
    """The shop installed through App Home by staff user 42."""
    install(client)
    return client
