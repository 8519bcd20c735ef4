"""A request body read whole, with a size limit that holds for chunked bodies too."""
from __future__ import annotations

from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Request


def read_body(request: Request, limit: int) -> bytes:
    """The body, or werkzeug's 413 above `limit` bytes. With a Content-Length werkzeug refuses before
    reading. A chunked body (no length) it reads up to the limit and then stops without a word, so the
    caller would get the first `limit` bytes as if they were all: such a body is read to one byte past
    the limit instead, and refused if it got there."""
    request.max_content_length = limit + 1 if request.content_length is None else limit
    raw = request.get_data(cache=True)
    if len(raw) > limit:
        raise RequestEntityTooLarge()
    return raw
