"""Defences that wrap every response: security headers, and the rate limiter's storage.

The Content-Security-Policy allows scripts and styles from our own origin only, so an
injected `<script>` or `style="…"` does nothing; templates therefore carry no inline
script or style (classes in workflow/static/style.css instead). HSTS is sent only in
production: on a developer's http://localhost it would pin the browser to https.

The limiter is one Flask-Limiter instance per app (kept in app.extensions), not a module
global: the tests build several apps (memory, Redis, production) in one process, and a
global Limiter keeps the storage of whichever app was initialised last.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime

from flask import Flask, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, parse_many
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

log = logging.getLogger("sciezka.security")

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
HSTS = "max-age=31536000; includeSubDomains"
LIMITER_KEY = "sciezka_limiter"


def init_app(app: Flask) -> None:
    """Create the app's limiter and add the headers to every response."""
    storage = app.config.get("RATELIMIT_STORAGE_URI") or app.config.get("REDIS_URL") or "memory://"
    app.extensions[LIMITER_KEY] = Limiter(
        get_remote_address,
        app=app,
        storage_uri=storage,
        key_prefix=app.config.get("RATELIMIT_KEY_PREFIX", "sciezka"),
        strategy="moving-window",
        default_limits=[],
    )
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies:  # the client's own address, for the limits and the login record
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    production = app.config["APP_ENV"] == "production"

    @app.after_request
    def _security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if production:
            headers.setdefault("Strict-Transport-Security", HSTS)
        return response


def limiter() -> Limiter:
    return current_app.extensions[LIMITER_KEY]


def _items(config_key: str) -> list[RateLimitItem]:
    return parse_many(current_app.config[config_key])


def _key(value: str) -> str:
    """Counters are keyed by a hash, so the store never holds an e-mail address."""
    return hashlib.sha256(value.encode()).hexdigest()[:32]


class Throttle:
    """A named limit ("login-account") read from config, applied to one key (an e-mail or
    an address). Only what the caller `hit`s counts, so a login that succeeds costs nothing.

    When the store cannot be reached (Redis down) the throttle lets the request through and
    logs it: the database lockout still stops a long guessing run, and nobody is locked
    out of the programme by a cache outage.
    """

    def __init__(self, scope: str, config_key: str, value: str) -> None:
        self.scope = scope
        self.config_key = config_key
        # The prefix keeps two deployments (or test runs) sharing one Redis apart.
        self.ids = (current_app.config.get("RATELIMIT_KEY_PREFIX", "sciezka"), scope, _key(value))

    def exceeded(self) -> bool:
        try:
            rate = limiter().limiter
            return any(not rate.test(item, *self.ids) for item in _items(self.config_key))
        except Exception:  # the store is down: fail open, see the class docstring
            log.exception("rate limit store unavailable (%s)", self.scope)
            return False

    def hit(self) -> bool:
        """Count one attempt; False when that attempt went over a limit."""
        try:
            rate = limiter().limiter
            return all([rate.hit(item, *self.ids) for item in _items(self.config_key)])
        except Exception:
            log.exception("rate limit store unavailable (%s)", self.scope)
            return True

    def retry_after(self) -> int:
        """Seconds until the fullest limit lets one more attempt through (at least 1)."""
        try:
            rate = limiter().limiter
            now = datetime.now(UTC).timestamp()
            waits = [rate.get_window_stats(item, *self.ids).reset_time - now
                     for item in _items(self.config_key)
                     if not rate.test(item, *self.ids)]
        except Exception:
            return 60
        return max(1, int(max(waits, default=1) + 0.999))
