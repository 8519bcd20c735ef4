"""discountCodeBasicCreate's answers for a code that already exists: the earlier attempt's discount."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from shop_plugin.effects.service import EffectRejected, RetryLater
from shop_plugin.refunds import shopify_discounts
from shop_plugin.shops import service as shops
from tests.chaos.state import install_token
from tests.support import SHOP

FIELDS = {"code": "SORRY-7K2Q", "percent": 10, "customer_id": 7, "title": "Sorry for the wait",
          "starts_at": datetime(2026, 12, 3, tzinfo=UTC)}


def create(make_app, error_code: str | None, found: str | None):
    def shopify(request: httpx.Request) -> httpx.Response:
        if b"codeDiscountNodeByCode" in request.content:
            return httpx.Response(200, json={"data": {"codeDiscountNodeByCode": {"id": found} if found else None}})
        errors = [{"field": ["basicCodeDiscount", "code"], "code": error_code, "message": "Code must be unique."}]
        return httpx.Response(200, json={"data": {"discountCodeBasicCreate": {"codeDiscountNode": None,
                                                                               "userErrors": errors}}})

    app = make_app(SHOPIFY_TRANSPORT=httpx.MockTransport(shopify))
    install_token(app, SHOP)
    with app.app_context():
        return shopify_discounts.create(shops.get(domain=SHOP), **FIELDS)


@pytest.mark.parametrize("error_code", ["TAKEN", "DUPLICATE"])
def test_a_code_refused_as_existing_is_the_discount_made_before(make_app, error_code):
    assert create(make_app, error_code, "gid://shopify/DiscountCodeNode/9") == "gid://shopify/DiscountCodeNode/9"


def test_a_code_refused_as_existing_but_not_found_yet_is_tried_again_later(make_app):
    with pytest.raises(RetryLater) as later:
        create(make_app, "DUPLICATE", None)
    assert later.value.after == timedelta(minutes=1)


def test_other_refusals_are_final(make_app):
    with pytest.raises(EffectRejected, match="unique"):
        create(make_app, "INVALID", None)
