"""What the desk says to customers, in en/ko/id: the contact form, acknowledgements, satisfaction surveys.
Plain text with {placeholders}; templates escape it."""
from __future__ import annotations

LANGUAGES = ("en", "ko", "id")

TEXT = {
    "en": {
        "contact_title": "Contact us",
        "contact_intro": "Send us a message and we will answer by email.",
        "support_hours": "Support hours: {days}, {start}–{end} ({zone}).",
        "name": "Your name", "email": "Your email", "order": "Order number (optional)", "message": "Message",
        "send": "Send message", "honeypot": "Leave this field empty",
        "error_email": "Please enter a valid email address.", "error_message": "Please write your message.",
        "error_long": "Please keep this under {limit} characters.",
        "thanks_title": "Thank you!",
        "thanks_body": "We have received your message and will reply by {reply_by}.",
        "limited_title": "Please wait a moment",
        "limited_body": "You have sent several messages in a short time. Please try again in {minutes} minutes.",
        "too_large": "Your message is too long to send. Please shorten it and try again.",
        "ack_subject": "We received your message",
        "reply_subject_order": "About your order {name}", "reply_subject": "About your message",
        "hello": "Hello,", "hello_name": "Hello {name},",
        "ack_body": "Thank you for contacting {store}. We have received your message and will reply by {reply_by}.",
        "ack_more": "If you have anything to add, just reply to this email.",
        "csat_subject": "How did we do?",
        "csat_question": "Your request has been resolved. How satisfied are you with the help you received?",
        "csat_scale": "1 = very unsatisfied, 5 = very satisfied",
        "csat_thanks_title": "Thank you for your rating",
        "csat_thanks_body": "You rated our help {rating} out of 5. You can change it by clicking another "
                            "rating in the email.",
        "csat_comment": "Anything you would like to tell us? (optional)", "csat_comment_send": "Send comment",
        "csat_comment_thanks": "Thank you, we have received your comment:",
        "csat_invalid_title": "This link cannot be used",
    },
    "ko": {
        "contact_title": "문의하기",
        "contact_intro": "메시지를 남겨 주시면 이메일로 답변드리겠습니다.",
        "support_hours": "상담 시간: {days}, {start}–{end} ({zone}).",
        "name": "이름", "email": "이메일", "order": "주문 번호 (선택)", "message": "문의 내용",
        "send": "보내기", "honeypot": "이 칸은 비워 두세요",
        "error_email": "올바른 이메일 주소를 입력해 주세요.", "error_message": "문의 내용을 입력해 주세요.",
        "error_long": "{limit}자 이내로 입력해 주세요.",
        "thanks_title": "감사합니다!",
        "thanks_body": "문의 내용을 잘 받았습니다. {reply_by}까지 답변드리겠습니다.",
        "limited_title": "잠시 후 다시 시도해 주세요",
        "limited_body": "짧은 시간에 여러 번 문의를 보내셨습니다. {minutes}분 후에 다시 시도해 주세요.",
        "too_large": "문의 내용이 너무 깁니다. 줄여서 다시 보내 주세요.",
        "ack_subject": "문의가 접수되었습니다",
        "reply_subject_order": "주문 {name} 관련 안내", "reply_subject": "문의하신 내용에 대한 답변",
        "hello": "안녕하세요.", "hello_name": "{name}님, 안녕하세요.",
        "ack_body": "{store}에 문의해 주셔서 감사합니다. 문의 내용을 잘 받았으며 {reply_by}까지 답변드리겠습니다.",
        "ack_more": "추가로 전하실 내용이 있으면 이 메일에 회신해 주세요.",
        "csat_subject": "상담은 만족스러우셨나요?",
        "csat_question": "문의하신 내용이 해결되었습니다. 받으신 도움에 얼마나 만족하시나요?",
        "csat_scale": "1 = 매우 불만족, 5 = 매우 만족",
        "csat_thanks_title": "평가해 주셔서 감사합니다",
        "csat_thanks_body": "5점 만점에 {rating}점을 주셨습니다. 메일에서 다른 점수를 누르면 바꾸실 수 있습니다.",
        "csat_comment": "더 전하고 싶은 말씀이 있으신가요? (선택)", "csat_comment_send": "의견 보내기",
        "csat_comment_thanks": "감사합니다. 보내 주신 의견입니다:",
        "csat_invalid_title": "이 링크는 사용할 수 없습니다",
    },
    "id": {
        "contact_title": "Hubungi kami",
        "contact_intro": "Kirimkan pesan dan kami akan membalas lewat email.",
        "support_hours": "Jam layanan: {days}, {start}–{end} ({zone}).",
        "name": "Nama Anda", "email": "Email Anda", "order": "Nomor pesanan (opsional)", "message": "Pesan",
        "send": "Kirim pesan", "honeypot": "Kosongkan kolom ini",
        "error_email": "Masukkan alamat email yang valid.", "error_message": "Tuliskan pesan Anda.",
        "error_long": "Maksimal {limit} karakter.",
        "thanks_title": "Terima kasih!",
        "thanks_body": "Pesan Anda sudah kami terima dan kami akan membalas paling lambat {reply_by}.",
        "limited_title": "Mohon tunggu sebentar",
        "limited_body": "Anda mengirim beberapa pesan dalam waktu singkat. Silakan coba lagi dalam {minutes} menit.",
        "too_large": "Pesan Anda terlalu panjang. Persingkat lalu kirim lagi.",
        "ack_subject": "Pesan Anda sudah kami terima",
        "reply_subject_order": "Tentang pesanan Anda {name}", "reply_subject": "Tentang pesan Anda",
        "hello": "Halo,", "hello_name": "Halo {name},",
        "ack_body": "Terima kasih telah menghubungi {store}. Pesan Anda sudah kami terima dan kami akan membalas "
                    "paling lambat {reply_by}.",
        "ack_more": "Jika ada yang ingin ditambahkan, cukup balas email ini.",
        "csat_subject": "Bagaimana layanan kami?",
        "csat_question": "Permintaan Anda sudah diselesaikan. Seberapa puas Anda dengan bantuan yang Anda terima?",
        "csat_scale": "1 = sangat tidak puas, 5 = sangat puas",
        "csat_thanks_title": "Terima kasih atas penilaian Anda",
        "csat_thanks_body": "Anda memberi nilai {rating} dari 5. Anda dapat mengubahnya dengan mengklik nilai lain "
                            "di email.",
        "csat_comment": "Ada yang ingin Anda sampaikan? (opsional)", "csat_comment_send": "Kirim komentar",
        "csat_comment_thanks": "Terima kasih, komentar Anda sudah kami terima:",
        "csat_invalid_title": "Tautan ini tidak dapat digunakan",
    },
}
INVALID_LINK = {
    "en": "The link is broken or has expired. Ratings can be given for 30 days after the email was sent.",
    "ko": "링크가 잘못되었거나 만료되었습니다. 평가는 메일을 받은 후 30일 동안 하실 수 있습니다.",
    "id": "Tautan rusak atau sudah kedaluwarsa. Penilaian dapat diberikan selama 30 hari setelah email dikirim.",
}


def lang_of(locale: str | None) -> str:
    """One of LANGUAGES for a locale such as ko-KR, id or en_US; en otherwise."""
    lang = (locale or "en").replace("_", "-").split("-")[0].lower()
    return lang if lang in LANGUAGES else "en"


def words(locale: str | None) -> dict[str, str]:
    return TEXT[lang_of(locale)]
