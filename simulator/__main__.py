"""`python -m simulator`: serve the simulated store for an app running on this machine."""
from __future__ import annotations

import argparse
import os

from werkzeug.serving import run_simple

from simulator.app import create_simulator_app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m simulator", description=__doc__)
    parser.add_argument("--port", type=int, default=9100)
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default: local only)")
    parser.add_argument("--app-url", default="http://127.0.0.1:8000", help="where ShipPromise runs")
    parser.add_argument("--shop", default="dev-store.myshopify.com")
    args = parser.parse_args(argv)
    app = create_simulator_app({
        "SHOP": args.shop,
        "APP_URL": args.app_url,
        "API_KEY": os.environ.get("SHOPIFY_API_KEY") or "dev-api-key",
        "API_SECRET": os.environ.get("SHOPIFY_API_SECRET") or "dev-api-secret",
        "API_VERSION": os.environ.get("SHOPIFY_API_VERSION") or "2026-10",
    })
    print(f"Store simulator for {app.config['SHOP']} on http://{args.host}:{args.port}/ "
          f"(webhooks to {app.config['APP_URL']}{app.config['WEBHOOK_PATH']})", flush=True)
    run_simple(args.host, args.port, app, threaded=True)


if __name__ == "__main__":
    main()
