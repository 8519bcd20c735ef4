"""Every model, imported in one place so Alembic and the tests see the whole schema."""
from shop_plugin.admin.drafts import FormDraft
from shop_plugin.compliance.models import DataRequest
from shop_plugin.delays.models import OrderCheck
from shop_plugin.effects.models import Effect
from shop_plugin.events.models import RetentionMark, WebhookEvent
from shop_plugin.extensions import Base
from shop_plugin.helpdesk.models import CannedReply, InboundEmail, StaffMember, Ticket, TicketAttachment, TicketEntry
from shop_plugin.notify.models import Notice, OptOut
from shop_plugin.orders.models import Dispute, Fulfillment, FulfillmentEvent, LineItem, Order, Refund
from shop_plugin.promises.models import OrderPromise
from shop_plugin.reconcile.models import ReconcileRun
from shop_plugin.refunds.models import CustomerChoice, RefundPrompt
from shop_plugin.shops.models import Shop, ShopSettings, ShopToken

__all__ = [
    "Base", "DataRequest", "Dispute", "Effect", "Fulfillment", "FulfillmentEvent", "LineItem", "Notice",
    "OptOut", "Order", "OrderCheck", "OrderPromise", "Refund", "ReconcileRun", "RefundPrompt", "Shop", "ShopSettings",
    "ShopToken", "Ticket", "TicketEntry", "WebhookEvent", "CannedReply", "InboundEmail", "StaffMember",
    "TicketAttachment", "CustomerChoice", "RetentionMark", "FormDraft",
]
