"""The late-order choice in the customer's words (en/ko/id): the email and the pages its links open."""
from __future__ import annotations

LANGUAGES = ("en", "ko", "id")

EMAIL = {
    "en": {
        "subject": "Your order {order} is late: how would you like us to make it right?",
        "intro": "We are sorry: your order {order} has not arrived when we said it would.",
        "choose": "You can choose what happens next:",
        "discount": "Keep waiting, with a {percent}% discount code for your next order",
        "refund": "Cancel the wait and get a refund",
        "expires": "These links can be used once and work until {expires}.",
        "reply": "Questions? Just reply to this email.",
    },
    "ko": {
        "subject": "주문 {order} 배송이 늦어지고 있습니다. 어떻게 해 드릴까요?",
        "intro": "죄송합니다. 주문 {order}이(가) 안내해 드린 날짜까지 도착하지 않았습니다.",
        "choose": "원하시는 방법을 선택해 주세요:",
        "discount": "계속 기다리고 다음 주문에 쓸 수 있는 {percent}% 할인 코드 받기",
        "refund": "기다리지 않고 환불받기",
        "expires": "이 링크는 한 번만 사용할 수 있으며 {expires}까지 유효합니다.",
        "reply": "궁금하신 점은 이 메일에 회신해 주세요.",
    },
    "id": {
        "subject": "Pesanan {order} terlambat: bagaimana kami bisa memperbaikinya?",
        "intro": "Mohon maaf: pesanan {order} belum tiba pada tanggal yang kami janjikan.",
        "choose": "Silakan pilih langkah berikutnya:",
        "discount": "Tetap menunggu, dengan kode diskon {percent}% untuk pesanan berikutnya",
        "refund": "Batalkan penantian dan dapatkan pengembalian dana",
        "expires": "Tautan ini hanya bisa dipakai sekali dan berlaku sampai {expires}.",
        "reply": "Ada pertanyaan? Balas saja email ini.",
    },
}

PAGE = {
    "en": {
        "title": "Your order {order}",
        "confirm_discount": "Keep waiting for order {order} and receive a single-use {percent}% discount code "
                            "for your next order?",
        "confirm_refund": "Stop waiting for order {order} and ask for a refund?",
        "button_discount": "Yes, send me the code",
        "button_refund": "Yes, refund my order",
        "chosen_discount": "Thank you for your patience. Your discount code is {code}; it works once, "
                           "for your next order.",
        "chosen_refund": "Your refund of {amount} is on its way. Your bank may take a few days to show it.",
        "referred": "Thank you. We have passed your request to {store}, who will reply to you by email shortly.",
        "used": "This link has already been used, so nothing more has been done.",
        "expired": "This link has expired, so nothing has been done. Reply to our email and we will help.",
        "invalid": "This link is not valid, so nothing has been done. Please use the link in our email.",
    },
    "ko": {
        "title": "주문 {order}",
        "confirm_discount": "주문 {order}을(를) 계속 기다리시고 다음 주문에 한 번 쓸 수 있는 {percent}% 할인 코드를 "
                            "받으시겠어요?",
        "confirm_refund": "주문 {order}을(를) 더 기다리지 않고 환불을 요청하시겠어요?",
        "button_discount": "네, 할인 코드를 받을게요",
        "button_refund": "네, 환불해 주세요",
        "chosen_discount": "기다려 주셔서 감사합니다. 할인 코드는 {code}입니다. 다음 주문에 한 번 사용할 수 있습니다.",
        "chosen_refund": "{amount} 환불이 진행되고 있습니다. 카드사에 반영되기까지 며칠 걸릴 수 있습니다.",
        "referred": "감사합니다. 요청하신 내용을 {store}에 전달했으며, 곧 이메일로 답변드리겠습니다.",
        "used": "이미 사용된 링크입니다. 추가로 처리된 내용은 없습니다.",
        "expired": "유효 기간이 지난 링크입니다. 처리된 내용은 없습니다. 받으신 메일에 회신해 주시면 도와드리겠습니다.",
        "invalid": "올바르지 않은 링크입니다. 처리된 내용은 없습니다. 메일에 있는 링크를 이용해 주세요.",
    },
    "id": {
        "title": "Pesanan {order}",
        "confirm_discount": "Tetap menunggu pesanan {order} dan menerima kode diskon {percent}% sekali pakai "
                            "untuk pesanan berikutnya?",
        "confirm_refund": "Berhenti menunggu pesanan {order} dan meminta pengembalian dana?",
        "button_discount": "Ya, kirimkan kodenya",
        "button_refund": "Ya, kembalikan dana saya",
        "chosen_discount": "Terima kasih atas kesabaran Anda. Kode diskon Anda {code}; hanya bisa dipakai "
                           "sekali untuk pesanan berikutnya.",
        "chosen_refund": "Pengembalian dana sebesar {amount} sedang diproses. Bank Anda mungkin perlu beberapa "
                         "hari untuk menampilkannya.",
        "referred": "Terima kasih. Permintaan Anda sudah kami teruskan ke {store}, yang akan segera membalas "
                    "lewat email.",
        "used": "Tautan ini sudah pernah dipakai, jadi tidak ada yang diproses lagi.",
        "expired": "Tautan ini sudah kedaluwarsa, jadi tidak ada yang diproses. Balas email kami dan kami "
                   "akan membantu.",
        "invalid": "Tautan ini tidak valid, jadi tidak ada yang diproses. Silakan pakai tautan di email kami.",
    },
}
