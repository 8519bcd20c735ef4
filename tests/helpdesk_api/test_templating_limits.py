"""Canned replies are merchant-written templates: sandboxed, and unable to build huge values."""
from __future__ import annotations

import pytest

from shop_plugin.helpdesk.templating import merchant_environment


@pytest.mark.parametrize("template", ['{{ ("a" * 10) * 10**8 }}', "{{ 'x' * 1000000 }}", "{{ [1] * 10**7 }}",
                                      "{{ 2 ** 100000 }}"])
def test_a_template_cannot_build_a_huge_value(template):
    assert len(merchant_environment().from_string(template).render()) < 1000


def test_ordinary_arithmetic_and_repetition_still_work():
    env = merchant_environment()
    assert env.from_string("{{ '-' * 10 }} {{ 6 * 7 }} {{ 2 ** 10 }}").render() == "---------- 42 1024"


def test_the_sandbox_still_refuses_unsafe_attributes():
    from jinja2.exceptions import SecurityError

    with pytest.raises(SecurityError):
        merchant_environment().from_string("{{ ''.__class__.__mro__ }}").render()
