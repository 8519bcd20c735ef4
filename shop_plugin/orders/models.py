"""The local copy of each shop's orders, fulfilments, carrier events, refunds and disputes.

Rows are keyed by (shop, Shopify id). Children point at their order by its Shopify id, not a
foreign key, so a fulfilment that arrives before its order is kept and joins it when it comes.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shop_plugin.db import UTCDateTime, utcnow
from shop_plugin.extensions import Base

Money = Numeric(20, 4)


def shop_ref() -> ForeignKey:
    return ForeignKey("shops.id", ondelete="CASCADE")


def keyed_by_order(table: str) -> tuple:
    """Unique per shop by Shopify id, and found by the Shopify id of the order it belongs to."""
    return UniqueConstraint("shop_id", "shopify_id"), Index(f"ix_{table}_order", "shop_id", "order_shopify_id")


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (UniqueConstraint("shop_id", "shopify_id"), Index("ix_orders_shop_email", "shop_id", "email"),
                      Index("ix_orders_shop_name", "shop_id", "name"))

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(shop_ref())
    shopify_id: Mapped[int] = mapped_column(BigInteger)
    admin_graphql_api_id: Mapped[str | None] = mapped_column(String(100))
    name: Mapped[str | None] = mapped_column(String(100))
    # Shopify's random confirmation number (e.g. "WYRM1KLEJ"): shown to the buyer, and what proves
    # to the storefront endpoint that the page asking for this order's promise is the buyer's.
    confirmation_number: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(50))
    customer_id: Mapped[int | None] = mapped_column(BigInteger)
    customer_name: Mapped[str | None] = mapped_column(String(255))
    customer_locale: Mapped[str | None] = mapped_column(String(20))
    shipping_address: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))
    destination_country: Mapped[str | None] = mapped_column(String(2))
    financial_status: Mapped[str | None] = mapped_column(String(50))
    fulfillment_status: Mapped[str | None] = mapped_column(String(50))
    tags: Mapped[list] = mapped_column(JSON, default=list)
    currency: Mapped[str | None] = mapped_column(String(3))
    total_price: Mapped[Decimal | None] = mapped_column(Money)
    subtotal_price: Mapped[Decimal | None] = mapped_column(Money)
    shipping_lines: Mapped[list] = mapped_column(JSON, default=list)
    order_status_url: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    stored_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LineItem(Base):
    __tablename__ = "order_line_items"
    __table_args__ = (UniqueConstraint("order_id", "shopify_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(shop_ref(), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    shopify_id: Mapped[int] = mapped_column(BigInteger)
    product_id: Mapped[int | None] = mapped_column(BigInteger)
    variant_id: Mapped[int | None] = mapped_column(BigInteger)
    sku: Mapped[str | None] = mapped_column(String(255))
    vendor: Mapped[str | None] = mapped_column(String(255))
    title: Mapped[str | None] = mapped_column(Text)
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    price: Mapped[Decimal | None] = mapped_column(Money)


class Fulfillment(Base):
    __tablename__ = "fulfillments"
    __table_args__ = keyed_by_order("fulfillments")

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(shop_ref())
    shopify_id: Mapped[int] = mapped_column(BigInteger)
    order_shopify_id: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str | None] = mapped_column(String(50))
    shipment_status: Mapped[str | None] = mapped_column(String(50))
    tracking_company: Mapped[str | None] = mapped_column(String(255))
    tracking_number: Mapped[str | None] = mapped_column(String(255))
    tracking_numbers: Mapped[list] = mapped_column(JSON, default=list)
    tracking_urls: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class FulfillmentEvent(Base):
    __tablename__ = "fulfillment_events"
    __table_args__ = keyed_by_order("fulfillment_events")

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(shop_ref())
    shopify_id: Mapped[int] = mapped_column(BigInteger)
    fulfillment_shopify_id: Mapped[int] = mapped_column(BigInteger, index=True)
    order_shopify_id: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[str | None] = mapped_column(String(50))
    message: Mapped[str | None] = mapped_column(Text)
    happened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    estimated_delivery_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    city: Mapped[str | None] = mapped_column(String(255))
    province: Mapped[str | None] = mapped_column(String(255))
    country: Mapped[str | None] = mapped_column(String(255))
    zip: Mapped[str | None] = mapped_column(String(50))
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Refund(Base):
    __tablename__ = "refunds"
    __table_args__ = keyed_by_order("refunds")

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(shop_ref())
    shopify_id: Mapped[int] = mapped_column(BigInteger)
    order_shopify_id: Mapped[int] = mapped_column(BigInteger)
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str | None] = mapped_column(String(3))
    note: Mapped[str | None] = mapped_column(Text)
    line_items: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Dispute(Base):
    __tablename__ = "disputes"
    __table_args__ = keyed_by_order("disputes")

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(shop_ref())
    shopify_id: Mapped[int] = mapped_column(BigInteger)
    order_shopify_id: Mapped[int | None] = mapped_column(BigInteger)
    type: Mapped[str | None] = mapped_column(String(50))
    amount: Mapped[Decimal | None] = mapped_column(Money)
    currency: Mapped[str | None] = mapped_column(String(3))
    reason: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str | None] = mapped_column(String(50))
    evidence_due_by: Mapped[datetime | None] = mapped_column(UTCDateTime)
    evidence_sent_on: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finalized_on: Mapped[datetime | None] = mapped_column(UTCDateTime)
    initiated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
