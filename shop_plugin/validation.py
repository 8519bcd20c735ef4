"""Collecting field errors by path ("transit.0.days") for the settings document."""
from __future__ import annotations


class Errors(dict):
    def check(self, ok: bool, path: str, message: str) -> bool:
        """Record `message` at `path` unless `ok`; return `ok` so callers can stop early."""
        if not ok:
            self.setdefault(path, message)
        return ok


MAX_ID = 2**63 - 1  # Shopify ids: signed 64-bit columns
MAX_ROW_ID = 2**31 - 1  # our own tables' serial ids: 32-bit columns


def whole_number(value: str | None, maximum: int = MAX_ID) -> int | None:
    """A query-string number from 1 to `maximum` in ASCII digits, else None ("²" is a digit to
    str.isdigit but not to int)."""
    if not value or not value.isascii() or not value.isdigit() or len(value) > len(str(maximum)):
        return None
    return int(value) if 0 < int(value) <= maximum else None
