"""Baseline for the promise endpoints: a GET answering a JSON body the size of a promise."""
from __future__ import annotations

from flask import Flask, jsonify

app = Flask(__name__)
BODY = {"ship_by": "2026-12-01", "ship_from": "2026-11-27", "deliver_from": "2026-12-08",
        "deliver_to": "2026-12-15", "adjustments": [], "locale": "en",
        "text": "Ships by December 1, 2026. Estimated delivery: December 8, 2026 – December 15, 2026.",
        "policies": [{"kind": "returns", "text": "Returns are accepted within 30 days of delivery."}]}


@app.get("/bare")
def bare():
    return jsonify(BODY)
