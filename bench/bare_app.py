"""Baseline B: the cheapest possible webhook endpoint, served by the same gunicorn.conf.py.

It reads the body (as the receiver must) and answers 200 empty, so the difference between it
and the real app is the app's own work: verify, insert, commit, enqueue.
"""
from __future__ import annotations

from flask import Flask, request

app = Flask(__name__)


@app.post("/webhooks")
def receive() -> tuple[str, int]:
    request.get_data()
    return "", 200
