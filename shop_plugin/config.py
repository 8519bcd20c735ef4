"""Configuration from the environment, checked once at start-up."""
from __future__ import annotations

import ipaddress
import os
import re
from pathlib import Path
from urllib.parse import urlparse

from cryptography.fernet import Fernet

ENVIRONMENTS = ("production", "development", "test")
API_VERSION_RE = re.compile(r"^\d{4}-(01|04|07|10)$")
DEFAULT_API_VERSION = "2026-10"
INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"
DEV_SECRETS = {
    "SHOPIFY_API_KEY": "dev-api-key",
    "SHOPIFY_API_SECRET": "dev-api-secret",
    "SHOPIFY_APP_URL": "http://127.0.0.1:8000",
    "SECRET_KEY": "dev-secret-key",
}


class ConfigError(Exception):
    """A missing or malformed setting; the message is one line for the operator."""


def database_url(raw: str | None) -> str:
    """Normalise DATABASE_URL: Heroku-style postgres:// and plain postgresql:// use psycopg 3."""
    if not raw:
        INSTANCE_DIR.mkdir(exist_ok=True)
        return f"sqlite:///{INSTANCE_DIR / 'shippromise.sqlite3'}"
    for prefix in ("postgres://", "postgresql://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw[len(prefix):]
    return raw


def _check_database_url(url: str) -> None:
    """A URL SQLAlchemy can open, for one of the two databases the app runs on. The message never
    repeats the value, which may hold a password."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        backend = make_url(url).get_backend_name()
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number
        raise ConfigError("DATABASE_URL must be a database URL such as postgresql://user:pass@host/db "
                          "or sqlite:////path/to/file.sqlite3") from None
    if backend not in ("postgresql", "sqlite"):
        raise ConfigError(f"DATABASE_URL must name PostgreSQL or SQLite, not {backend!r}")


def _check_scheme(name: str, value: str | None, schemes: tuple[str, ...], example: str) -> None:
    parsed = urlparse(value or "")
    if value and (parsed.scheme not in schemes or not (parsed.netloc or parsed.path)):
        raise ConfigError(f"{name} must be a {' or '.join(s + '://' for s in schemes)} URL such as {example}")


def _whole(env: dict, name: str, default: str, least: int) -> int:
    raw = env.get(name) or default
    if not raw.isdigit() or int(raw) < least:
        raise ConfigError(f"{name} must be a whole number, {least} or more, got {raw!r}")
    return int(raw)


def _dev_token_key() -> str:
    """A development key kept in instance/ so stored tokens survive restarts."""
    path = INSTANCE_DIR / "dev-token-key"
    if not path.exists():
        INSTANCE_DIR.mkdir(exist_ok=True)
        path.write_text(Fernet.generate_key().decode())
    return path.read_text().strip()


def _check_url(name: str, value: str) -> None:
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ConfigError(f"{name} must be an absolute http(s) URL, got {value!r}")


def _check_fernet_keys(value: str) -> None:
    for key in value.split(","):
        try:
            Fernet(key.strip().encode())
        except ValueError:
            raise ConfigError(
                "TOKEN_ENCRYPTION_KEY must be one or more comma-separated Fernet keys "
                "(generate one with: python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())')"
            ) from None


def load(env: dict[str, str] | None = None) -> dict:
    """Build the Flask config mapping from environment variables, or raise ConfigError."""
    env = dict(os.environ if env is None else env)
    app_env = env.get("APP_ENV", "production")
    if app_env not in ENVIRONMENTS:
        raise ConfigError(f"APP_ENV must be one of {', '.join(ENVIRONMENTS)}, got {app_env!r}")
    relaxed = app_env != "production"
    if relaxed:
        for name, default in DEV_SECRETS.items():
            env.setdefault(name, default)
        env.setdefault("TOKEN_ENCRYPTION_KEY", _dev_token_key())
    for name in (*DEV_SECRETS, "TOKEN_ENCRYPTION_KEY"):
        if not env.get(name):
            raise ConfigError(f"{name} is required when APP_ENV={app_env}")
    _check_url("SHOPIFY_APP_URL", env["SHOPIFY_APP_URL"])
    _check_fernet_keys(env["TOKEN_ENCRYPTION_KEY"])
    api_version = env.get("SHOPIFY_API_VERSION") or DEFAULT_API_VERSION
    if not API_VERSION_RE.match(api_version):
        raise ConfigError(f"SHOPIFY_API_VERSION must look like 2026-10, got {api_version!r}")
    hops = env.get("TRUSTED_PROXY_HOPS") or "1"
    if not hops.isdigit():
        raise ConfigError(f"TRUSTED_PROXY_HOPS must be a whole number of proxies, got {hops!r}")
    retention = {name: env.get(name) or "30" for name in ("INBOUND_RAW_RETENTION_DAYS", "WEBHOOK_BODY_RETENTION_DAYS")}
    for name, days in retention.items():
        if not days.isdigit() or int(days) < 1:
            raise ConfigError(f"{name} must be a whole number of days, 1 or more, got {days!r}")
    override = env.get("SHOPIFY_API_ORIGIN_OVERRIDE") or None
    if override:
        if not relaxed:
            raise ConfigError("SHOPIFY_API_ORIGIN_OVERRIDE is for development and test only")
        _check_url("SHOPIFY_API_ORIGIN_OVERRIDE", override)
    url = database_url(env.get("DATABASE_URL"))
    _check_database_url(url)
    _check_scheme("REDIS_URL", env.get("REDIS_URL"), ("redis", "rediss", "unix"), "redis://127.0.0.1:6379/0")
    _check_scheme("SMTP_URL", env.get("SMTP_URL"), ("smtp", "smtps"), "smtp://user:pass@smtp.example.com:587?starttls=1")
    inline = env.get("INLINE_JOBS") or ("sync" if app_env == "test" else "thread")
    if inline not in ("sync", "thread"):
        raise ConfigError(f"INLINE_JOBS must be sync or thread, got {inline!r}")
    mail_domain = urlparse(env["SHOPIFY_APP_URL"]).hostname or "localhost"
    return {
        "APP_ENV": app_env,
        "TESTING": app_env == "test",
        "SECRET_KEY": env["SECRET_KEY"],
        "SHOPIFY_API_KEY": env["SHOPIFY_API_KEY"],
        "SHOPIFY_API_SECRET": env["SHOPIFY_API_SECRET"],
        "SHOPIFY_API_SECRET_OLD": env.get("SHOPIFY_API_SECRET_OLD") or None,
        "SHOPIFY_APP_URL": env["SHOPIFY_APP_URL"].rstrip("/"),
        "SHOPIFY_API_VERSION": api_version,
        "SHOPIFY_API_ORIGIN_OVERRIDE": override,
        "DATABASE_URL": url,
        "REDIS_URL": env.get("REDIS_URL") or None,
        "RQ_QUEUE": env.get("RQ_QUEUE") or "shippromise",
        "TOKEN_ENCRYPTION_KEY": env["TOKEN_ENCRYPTION_KEY"],
        "SMTP_URL": env.get("SMTP_URL") or ("smtp://127.0.0.1:1025" if relaxed else None),
        "MAIL_FROM": env.get("MAIL_FROM") or f"notifications@{mail_domain}",
        "MAIL_DOMAIN": mail_domain,
        # Inbound mail: the provider posts raw MIME to /inbound/email with this shared secret;
        # <shop-handle>@INBOUND_EMAIL_DOMAIN reaches that shop's desk. Unset secret: inbound is off.
        "INBOUND_EMAIL_SECRET": env.get("INBOUND_EMAIL_SECRET") or ("dev-inbound-secret" if relaxed else None),
        "INBOUND_EMAIL_DOMAIN": (env.get("INBOUND_EMAIL_DOMAIN") or f"in.{_named(mail_domain)}").lower(),
        # The inbound provider's authserv-id in the Authentication-Results it adds (SPF/DKIM/DMARC);
        # unset: no sender is verified, so customer mail never triggers an automatic refund.
        "INBOUND_AUTHSERV_ID": (env.get("INBOUND_AUTHSERV_ID") or "").strip().lower() or None,
        **{name: int(days) for name, days in retention.items()},
        "MAX_CONTENT_LENGTH": 5 * 1024 * 1024,
        "WEBHOOK_MAX_ATTEMPTS": _whole(env, "WEBHOOK_MAX_ATTEMPTS", "5", 1),
        "SWEEP_GRACE_SECONDS": _whole(env, "SWEEP_GRACE_SECONDS", "60", 0),
        # Storefront endpoints hold a shop's settings this long per process (0: read every time).
        "STOREFRONT_CACHE_SECONDS": _whole(env, "STOREFRONT_CACHE_SECONDS", "0" if app_env == "test" else "30", 0),
        # Proxies of our own deployment in front of gunicorn, each appending to X-Forwarded-For.
        "TRUSTED_PROXY_HOPS": int(hops),
        "INLINE_JOBS": inline,
    }


def _named(host: str) -> str:
    """A host name for addresses: an app served at an IP address (make run: 127.0.0.1) gets addresses
    at localhost, since an address at a bare IP is no address the inbound parser accepts."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return host
    return "localhost"
