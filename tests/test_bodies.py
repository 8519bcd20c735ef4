"""A request body read whole: a length over the limit refused unread, a body cut short refused."""
from __future__ import annotations

import io

import pytest
from werkzeug.exceptions import ClientDisconnected, RequestEntityTooLarge

from shop_plugin.bodies import read_body


class Unread(io.BytesIO):
    def read(self, *args):
        raise AssertionError("read although the length is over the limit")


def test_a_body_of_its_announced_length_is_read_exactly():
    stream = io.BytesIO(b"0123456789 and what the next request sent")
    assert read_body({"CONTENT_LENGTH": "10", "wsgi.input": stream}, 100) == b"0123456789"


def test_a_length_over_the_limit_is_refused_before_anything_is_read():
    with pytest.raises(RequestEntityTooLarge):
        read_body({"CONTENT_LENGTH": "101", "wsgi.input": Unread()}, 100)


def test_fewer_bytes_than_announced_is_a_client_that_hung_up():
    with pytest.raises(ClientDisconnected):
        read_body({"CONTENT_LENGTH": "10", "wsgi.input": io.BytesIO(b"01234")}, 100)


def test_an_empty_body_reads_as_empty():
    assert read_body({"CONTENT_LENGTH": "0", "wsgi.input": Unread()}, 100) == b""
