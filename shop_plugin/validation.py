"""Collecting field errors by path ("transit.0.days") for the settings document."""
from __future__ import annotations


class Errors(dict):
    def check(self, ok: bool, path: str, message: str) -> bool:
        """Record `message` at `path` unless `ok`; return `ok` so callers can stop early."""
        if not ok:
            self.setdefault(path, message)
        return ok
