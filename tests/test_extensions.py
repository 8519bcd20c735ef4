"""Extension sources are declared for the right targets and call endpoints the app serves."""
from __future__ import annotations

import re
import tomllib

from shop_plugin import ROOT

EXTENSIONS = ROOT / "extensions"


def config(name: str) -> dict:
    return tomllib.loads((EXTENSIONS / name / "shopify.extension.toml").read_text())


def test_checkout_extensions_target_the_thank_you_and_order_status_blocks():
    targets = {
        config(name)["extensions"][0]["targeting"][0]["target"]: config(name)
        for name in ("thank-you-promise", "order-status-promise")
    }
    assert set(targets) == {"purchase.thank-you.block.render", "customer-account.order-status.block.render"}
    for cfg in targets.values():
        assert cfg["api_version"] == "2025-10"
        assert cfg["extensions"][0]["capabilities"]["network_access"] is True
        module = cfg["extensions"][0]["targeting"][0]["module"]
        assert module.startswith("./src/")


def served(client, path: str) -> bool:
    """The app answers the path (unsigned, so 401), where an unknown path would be a 404."""
    return client.get(path).status_code == 401


def test_extension_code_calls_the_checkout_endpoint_with_a_session_token(client):
    assert served(client, "/api/checkout/promise")
    for name, source in (("thank-you-promise", "ThankYou.jsx"), ("order-status-promise", "OrderStatus.jsx")):
        code = (EXTENSIONS / name / "src" / source).read_text()
        assert "/api/checkout/promise" in code
        assert "sessionToken.get()" in code and "Authorization" in code
        assert re.search(r"confirmation: [\w.]+(number|confirmationNumber)", code)  # proves the page is the buyer's
        assert "dangerouslySetInnerHTML" not in code and "innerHTML" not in code


def test_the_theme_block_uses_the_app_proxy_and_sets_text_only(client):
    liquid = (EXTENSIONS / "product-promise" / "blocks" / "promise.liquid").read_text()
    script = (EXTENSIONS / "product-promise" / "assets" / "promise.js").read_text()
    toml = tomllib.loads((ROOT / "shopify.app.toml").read_text())["app_proxy"]
    assert f"/{toml['prefix']}/{toml['subpath']}/promise" in liquid
    assert toml["url"].endswith("/proxy") and served(client, "/proxy/promise")
    assert "textContent" in script and not re.search(r"innerHTML|insertAdjacentHTML|document\.write", script)
    assert re.search(r"product\.vendor \| escape", liquid)
    # the contract /proxy/promise reads: the vendor whole in its own parameter, the tags joined with commas
    assert re.search(r"data-tags=\"\{\{ product\.tags \| join: ',' \| escape", liquid)
    assert "vendor: block.dataset.vendor" in script and "tags: tagsParam(block.dataset.tags" in script
