"""shopify.app.toml and the handler registry must name the same topics."""
from __future__ import annotations

import importlib
import tomllib

from shop_plugin import ROOT
from shop_plugin.config import DEFAULT_API_VERSION
from shop_plugin.shopify.auth import PATCH_ID_TOKEN_PATH
from webhooks import registry

TOML = tomllib.loads((ROOT / "shopify.app.toml").read_text())


def declared(key: str) -> list[str]:
    return [t for sub in TOML["webhooks"]["subscriptions"] for t in sub.get(key, [])]


def test_the_toml_subscribes_to_exactly_the_topics_the_registry_handles():
    assert sorted(declared("topics")) == sorted(registry.TOPICS)
    assert sorted(declared("compliance_topics")) == sorted(registry.COMPLIANCE_TOPICS)


def test_every_subscription_posts_to_the_receiver():
    assert {sub["uri"] for sub in TOML["webhooks"]["subscriptions"]} == {"/webhooks"}


def test_every_topic_has_its_own_handler_module():
    for topic in (*registry.TOPICS, *registry.COMPLIANCE_TOPICS):
        module = importlib.import_module(registry.module_name(topic))
        assert callable(module.handle), topic
        assert registry.handler_for(topic) is module.handle


def test_unhandled_topics_have_no_handler():
    assert registry.handler_for("products/update") is None


def test_the_toml_pins_the_same_api_version_as_the_app():
    assert TOML["webhooks"]["api_version"] == DEFAULT_API_VERSION


def test_the_toml_declares_scopes_and_the_app_proxy():
    scopes = set(TOML["access_scopes"]["scopes"].split(","))
    assert {"read_orders", "write_orders", "read_shopify_payments_disputes"} <= scopes
    assert TOML["app_proxy"]["prefix"] == "apps" and TOML["embedded"] is True
    assert PATCH_ID_TOKEN_PATH == "/auth/patch-id-token"
