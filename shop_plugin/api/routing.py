"""URL converters shared by every blueprint.

An id beyond its column's range names no row. It converts to 0, which no row has, so the view
answers 404 as for any missing row; rejecting it in the converter instead would make Flask answer
405 on paths that allow other methods, and passing it on breaks the database driver."""
from __future__ import annotations

from werkzeug.routing import IntegerConverter

from shop_plugin.validation import MAX_ID, MAX_ROW_ID


class IdConverter(IntegerConverter):
    """`<int:...>`: Shopify ids, signed 64-bit in the database."""

    limit = MAX_ID

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        return number if number <= self.limit else 0


class RowIdConverter(IdConverter):
    """`<row_id:...>`: ids of our own tables, 32-bit."""

    limit = MAX_ROW_ID
