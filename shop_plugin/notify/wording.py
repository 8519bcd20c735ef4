"""Built-in wording of delay notices in en/ko/id; merchants override it under settings.texts."""
from __future__ import annotations

NOTICE_REASONS = ("late_dispatch", "stalled", "delivery_exception", "past_promise")
# past its promise with nothing shipped: said as it is, never "tracing" a parcel that does not exist
UNSHIPPED = {"past_promise": "past_promise_unshipped"}


def key(reason: str, shipped: bool) -> str:
    """The wording for a notice's reason, as the order stands when it is sent."""
    return reason if shipped else UNSHIPPED.get(reason, reason)


SUBJECT = {
    "en": "An update on your order {order}",
    "ko": "주문 {order} 배송 안내",
    "id": "Kabar terbaru pesanan {order}",
}
HAPPENED = {
    "en": {
        "late_dispatch": "Your order has not left our supplier yet; it was due to ship by {ship_by}.",
        "stalled": "The carrier has not reported any progress on your parcel for several days.",
        "delivery_exception": "The carrier reported a problem delivering your parcel.",
        "past_promise": "Your order has not arrived by {deliver_to}, the date we gave you.",
        "past_promise_unshipped": "Your order has not arrived by {deliver_to}, the date we gave you: "
                                  "it has not shipped yet.",
    },
    "ko": {
        "late_dispatch": "주문하신 상품이 아직 공급업체에서 출발하지 않았습니다. {ship_by}까지 발송 예정이었습니다.",
        "stalled": "며칠째 택배사에서 배송 진행 상황이 업데이트되지 않고 있습니다.",
        "delivery_exception": "택배사에서 배송 중 문제가 발생했다고 알려왔습니다.",
        "past_promise": "안내해 드린 {deliver_to}까지 주문하신 상품이 도착하지 않았습니다.",
        "past_promise_unshipped": "안내해 드린 {deliver_to}까지 주문하신 상품이 도착하지 않았습니다. "
                                  "아직 발송되지 않았습니다.",
    },
    "id": {
        "late_dispatch": "Pesanan Anda belum dikirim dari pemasok kami; seharusnya dikirim paling lambat {ship_by}.",
        "stalled": "Kurir belum memberi kabar perkembangan paket Anda selama beberapa hari.",
        "delivery_exception": "Kurir melaporkan kendala saat mengantar paket Anda.",
        "past_promise": "Pesanan Anda belum tiba pada {deliver_to}, tanggal yang kami janjikan.",
        "past_promise_unshipped": "Pesanan Anda belum tiba pada {deliver_to}, tanggal yang kami janjikan, "
                                  "karena belum dikirim.",
    },
}
DOING = {
    "en": {
        "late_dispatch": "We have asked the supplier to ship it and are following up every day.",
        "stalled": "We have asked the carrier to trace the parcel.",
        "delivery_exception": "We are working with the carrier to get it to you.",
        "past_promise": "We are tracing it and will tell you as soon as we know more.",
        "past_promise_unshipped": "We have asked the supplier to ship it, are following up every day and will "
                                  "tell you as soon as it is on its way.",
    },
    "ko": {
        "late_dispatch": "공급업체에 발송을 요청했으며 매일 확인하고 있습니다.",
        "stalled": "택배사에 배송 추적을 요청했습니다.",
        "delivery_exception": "택배사와 협력하여 상품을 전달해 드리겠습니다.",
        "past_promise": "배송 상황을 확인 중이며, 새로운 소식이 있으면 바로 알려드리겠습니다.",
        "past_promise_unshipped": "공급업체에 발송을 요청했으며 매일 확인하고 있습니다. "
                                  "발송되면 바로 알려드리겠습니다.",
    },
    "id": {
        "late_dispatch": "Kami sudah meminta pemasok mengirimkannya dan memantaunya setiap hari.",
        "stalled": "Kami sudah meminta kurir melacak paket Anda.",
        "delivery_exception": "Kami bekerja sama dengan kurir agar paket sampai kepada Anda.",
        "past_promise": "Kami sedang melacaknya dan akan segera mengabari Anda.",
        "past_promise_unshipped": "Kami sudah meminta pemasok mengirimkannya, memantaunya setiap hari, dan akan "
                                  "segera mengabari Anda begitu pesanan dikirim.",
    },
}
ESTIMATE = {
    "en": "Our honest new estimate: {estimate}.",
    "ko": "새 예상 도착일: {estimate}.",
    "id": "Perkiraan baru kami: {estimate}.",
}
REPLY = {
    "en": "Questions? Just reply to this email.",
    "ko": "궁금하신 점은 이 메일에 회신해 주세요.",
    "id": "Ada pertanyaan? Balas saja email ini.",
}
UNSUBSCRIBE_LINK = {"en": "Unsubscribe", "ko": "수신 거부", "id": "Berhenti berlangganan"}
UNSUBSCRIBE = {
    "en": "Don't want delivery updates by email?",
    "ko": "배송 안내 메일을 받지 않으시겠어요?",
    "id": "Tidak ingin menerima kabar pengiriman lewat email?",
}

# What a merchant may reword (settings `texts.<en|ko|id>.notice_<case>`): the what-happened sentence
# of each notice. The rest (what the store is doing, the estimate, how to reply) stays ours.
MERCHANT_TEXTS = tuple(f"notice_{case}" for case in HAPPENED["en"])
MERCHANT_PLACEHOLDERS = {lang: {f"notice_{case}": text for case, text in cases.items()}
                         for lang, cases in HAPPENED.items()}
