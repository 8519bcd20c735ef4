"""Admin GraphQL documents for reconciliation: orders by update time, their count, extra line items.

Page sizes keep a page's requested cost under Shopify's 1,000-point ceiling for one query
(objects cost 1, a connection 2 plus `first` times its node): ten orders with ten line items,
five fulfilments and three refunds each come to roughly 1,000. Orders with more line items
get the rest from ORDER_LINE_ITEMS, since the order handler replaces an order's line items.
"""
from __future__ import annotations

from datetime import datetime

from shop_plugin.db import iso

ORDERS_PER_PAGE = 10
LINE_ITEMS_PER_ORDER = 10
LINE_ITEMS_PER_PAGE = 100

LINE_ITEM = """
  id name title sku vendor quantity
  variant { id }
  product { id }
  originalUnitPriceSet { shopMoney { amount currencyCode } }
"""

ORDERS_PAGE = f"""
query ReconcileOrders($first: Int!, $after: String, $query: String!) {{
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {{
    pageInfo {{ hasNextPage endCursor }}
    edges {{ node {{
      id name confirmationNumber email phone createdAt updatedAt processedAt cancelledAt closedAt
      displayFinancialStatus displayFulfillmentStatus currencyCode customerLocale tags statusPageUrl
      totalPriceSet {{ shopMoney {{ amount currencyCode }} }}
      subtotalPriceSet {{ shopMoney {{ amount currencyCode }} }}
      customer {{ id firstName lastName }}
      shippingAddress {{
        firstName lastName name company address1 address2 city province provinceCode
        country countryCodeV2 zip phone
      }}
      shippingLines(first: 3) {{ nodes {{ code title source originalPriceSet {{ shopMoney {{ amount }} }} }} }}
      lineItems(first: {LINE_ITEMS_PER_ORDER}) {{
        pageInfo {{ hasNextPage endCursor }}
        nodes {{ {LINE_ITEM} }}
      }}
      fulfillments(first: 5) {{
        id status displayStatus createdAt updatedAt
        trackingInfo(first: 3) {{ company number url }}
      }}
      refunds(first: 3) {{ id createdAt note totalRefundedSet {{ shopMoney {{ amount currencyCode }} }} }}
    }} }}
  }}
}}
"""

ORDERS_COUNT = """
query ReconcileOrdersCount($query: String!) {
  ordersCount(query: $query) { count precision }
}
"""

ORDER_LINE_ITEMS = f"""
query ReconcileOrderLineItems($id: ID!, $first: Int!, $after: String) {{
  order(id: $id) {{
    lineItems(first: $first, after: $after) {{
      pageInfo {{ hasNextPage endCursor }}
      nodes {{ {LINE_ITEM} }}
    }}
  }}
}}
"""


def updated_since(since: datetime) -> str:
    """Shopify search syntax for orders updated at or after a time (to the second, rounded down)."""
    return f"updated_at:>='{iso(since.replace(microsecond=0))}'"
