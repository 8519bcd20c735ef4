"""The embedded admin (App Home): server-rendered pages for the merchant's desk."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin", __name__)
