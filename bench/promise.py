"""W3: the promise endpoints (app proxy, checkout/order-status extension) against a bare GET.

    .venv/bin/python bench/promise.py [--seconds 10] [--databases sqlite,postgresql]

Same gunicorn.conf.py for all three; one client process (asyncio, keep-alive): a closed loop
for the maximum rate, then an open loop at half of it for latency. Target: ≥ 0.8 × bare, p99 ≤ 20 ms.
"""
from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import jwt
import servers
from httpload import closed_loop, open_loop

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SHOP = "bench-shop.myshopify.com"
RULES = {"timezone": "Asia/Seoul", "transit": [{"countries": ["KR"], "days": [2, 4]}],
         "policies": {"refund": {"en": "Full refunds.", "ko": "전액 환불."}}}


def seed(env: dict) -> None:
    """One installed shop with rules and one order with its promise."""
    from shop_plugin import create_app
    from shop_plugin.extensions import session
    from shop_plugin.orders import service as orders
    from shop_plugin.promises import service as promises
    from shop_plugin.shops import service as shops

    app = create_app(env=env)
    with app.app_context():
        shop = shops.get_or_create(domain=SHOP)
        shop.installed_at = datetime.now(UTC)
        session().commit()
        promises.save_settings(session(), shop=shop, document=RULES)
        order = json.loads((ROOT / "tests/fixtures/orders_create.rest_fixture.json").read_text())
        order.update(id=1, created_at=datetime.now(UTC).isoformat(), customer_locale="ko")
        orders.upsert_order(session(), shop=shop, payload=order)
        promises.promise_order(session(), shop=shop, payload=order)
        session().commit()


def requests(env: dict) -> dict[str, bytes]:
    secret = env["SHOPIFY_API_SECRET"]
    params = {"shop": SHOP, "logged_in_customer_id": "", "path_prefix": "/apps/shippromise",
              "timestamp": str(int(time.time())), "country": "KR", "locale": "ko", "vendor": "Acme"}
    message = "".join(sorted(f"{k}={v}" for k, v in params.items()))
    query = urlencode({**params, "signature": hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()})
    now = int(time.time())
    token = jwt.encode({"dest": SHOP, "aud": env["SHOPIFY_API_KEY"], "exp": now + 300, "nbf": now - 5, "iat": now,
                        "jti": str(uuid.uuid4()), "sub": "gid://shopify/Customer/1"}, secret, algorithm="HS256")
    head = "Host: 127.0.0.1\r\nConnection: keep-alive\r\n"
    return {
        "bare": f"GET /bare HTTP/1.1\r\n{head}\r\n".encode(),
        "proxy": f"GET /proxy/promise?{query} HTTP/1.1\r\n{head}\r\n".encode(),
        "checkout": (f"GET /api/checkout/promise?order_id=1&locale=en HTTP/1.1\r\n{head}"
                     f"Authorization: Bearer {token}\r\nOrigin: https://extensions.shopifycdn.com\r\n\r\n").encode(),
    }


async def measure(port: int, raw: bytes, seconds: float) -> dict:
    await closed_loop(port, lambda: raw, 16, 2.0)  # warm-up
    peak = await closed_loop(port, lambda: raw, 32, seconds)
    half = await open_loop(port, lambda: raw, peak["req_per_s"] / 2, seconds)
    return {"max": peak, "half": half}


def run(kind: str, seconds: float, workdir: Path) -> dict:
    results = {}
    with servers.database(kind, workdir) as url, servers.redis_db14():
        port = servers.free_port()
        env = servers.app_env(url, port)
        servers.migrate(env)
        seed(env)
        raw = requests(env)
        for name, target in (("bare", "bench.bare_read_app:app"), ("app", "app:app")):
            with servers.gunicorn(target, env, workdir / f"{kind}-{name}.log"):
                names = ["bare"] if name == "bare" else ["proxy", "checkout"]
                for endpoint in names:
                    results[endpoint] = asyncio.run(measure(port, raw[endpoint], seconds))
    bare = results["bare"]["max"]["req_per_s"]
    for endpoint in ("proxy", "checkout"):
        results[endpoint]["ratio_to_bare"] = round(results[endpoint]["max"]["req_per_s"] / bare, 2)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--databases", default="sqlite,postgresql")
    args = parser.parse_args()
    out = {"started_utc": datetime.now(UTC).isoformat(timespec="seconds"), "databases": {}}
    with tempfile.TemporaryDirectory(prefix="shippromise-w3-") as tmp:
        for kind in args.databases.split(","):
            out["databases"][kind] = run(kind, args.seconds, Path(tmp))
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / f"promise-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json").write_text(json.dumps(out, indent=2))
    print("| database | endpoint | max req/s | ratio to bare | p50 ms at half | p99 ms at half | statuses |")
    print("|---|---|---|---|---|---|---|")
    for kind, res in out["databases"].items():
        for endpoint in ("bare", "proxy", "checkout"):
            r = res[endpoint]
            print(f"| {kind} | {endpoint} | {r['max']['req_per_s']} | {r.get('ratio_to_bare', 1.0)} | "
                  f"{r['half']['p50_ms']} | {r['half']['p99_ms']} | {r['max']['statuses']} |")


if __name__ == "__main__":
    main()
