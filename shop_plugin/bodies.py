"""A request body read whole, with a size limit that holds for chunked bodies too."""
from __future__ import annotations

from werkzeug.exceptions import ClientDisconnected, RequestEntityTooLarge
from werkzeug.wsgi import get_content_length, get_input_stream


def read_body(environ: dict, limit: int) -> bytes:
    """The body of the WSGI request, or werkzeug's errors: 413 above `limit` bytes, 400 when fewer
    bytes arrive than the Content-Length announced (the sender hung up).

    With a Content-Length the body is refused before anything is read, or read as exactly that many
    bytes. A chunked body (no length) is read through werkzeug's input stream, which reads up to the
    limit and then stops without a word, so the caller would get the first `limit` bytes as if they
    were all: it is read to one byte past the limit instead, and refused if it got there."""
    length = get_content_length(environ)
    if length is not None:
        if length > limit:
            raise RequestEntityTooLarge()
        raw = environ["wsgi.input"].read(length) if length else b""
        if len(raw) != length:
            raise ClientDisconnected()
        return raw
    raw = get_input_stream(environ, max_content_length=limit + 1).read()
    if len(raw) > limit:
        raise RequestEntityTooLarge()
    return raw
