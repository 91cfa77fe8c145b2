"""Defences that wrap every response: security headers, and the rate limiter's storage.

The Content-Security-Policy allows scripts and styles from our own origin only, so an
injected `<script>` or `style="…"` does nothing; templates therefore carry no inline
script or style (classes in workflow/static/style.css instead). HSTS is sent only in
production: on a developer's http://localhost it would pin the browser to https.

The limiter is one Flask-Limiter instance per app (kept in app.extensions), not a module
global: the tests build several apps (memory, Redis, production) in one process, and a
global Limiter keeps the storage of whichever app was initialised last.

Without its store (Redis down) the limiter fails open to counters in this process's memory
(`Fallback`): each web process then counts on its own, so the limits still stop a burst
at one process's door, and the lockout in the database still counts every failure across
processes; nobody is locked out of the programme by a cache outage (docs/decisions/0022).
The store is tried again RATELIMIT_STORE_RETRY_S (30 s) after a failure, and each try
gives up after STORE_TIMEOUT_S, so a Redis that does not answer never holds a login for long.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

from flask import Flask, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter, RateLimiter
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
FALLBACK_KEY = "sciezka_limiter_fallback"
STORE_TIMEOUT_S = 1.0

T = TypeVar("T")


class Fallback:
    """This process's own counters, used while the shared store is down, and when to
    try the shared store again."""

    def __init__(self, retry_s: float) -> None:
        self.limiter: RateLimiter = MovingWindowRateLimiter(MemoryStorage())
        self.retry_s = retry_s
        self._retry_at = 0.0
        self._lock = threading.Lock()

    def active(self) -> bool:
        return time.monotonic() < self._retry_at

    def store_failed(self) -> None:
        with self._lock:
            self._retry_at = time.monotonic() + self.retry_s


def init_app(app: Flask) -> None:
    """Create the app's limiter and add the headers to every response."""
    storage = app.config.get("RATELIMIT_STORAGE_URI") or app.config.get("REDIS_URL") or "memory://"
    options = ({"socket_connect_timeout": STORE_TIMEOUT_S, "socket_timeout": STORE_TIMEOUT_S}
               if storage.startswith("redis") else {})
    app.extensions[FALLBACK_KEY] = Fallback(float(app.config.get("RATELIMIT_STORE_RETRY_S") or 30))
    app.extensions[LIMITER_KEY] = Limiter(
        get_remote_address,
        app=app,
        storage_uri=storage,
        storage_options=options,
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

    When the store cannot be reached (Redis down) the throttle counts in this process's
    memory instead (and logs it); see the module's docstring.
    """

    def __init__(self, scope: str, config_key: str, value: str) -> None:
        self.scope = scope
        self.config_key = config_key
        # The prefix keeps two deployments (or test runs) sharing one Redis apart.
        self.ids = (current_app.config.get("RATELIMIT_KEY_PREFIX", "sciezka"), scope, _key(value))

    def _counted(self, count: Callable[[RateLimiter], T]) -> T:
        """`count` on the shared store, or on this process's counters while it is down."""
        fallback: Fallback = current_app.extensions[FALLBACK_KEY]
        if not fallback.active():
            try:
                return count(limiter().limiter)
            except Exception:  # the store is down: count here, see the module's docstring
                log.warning("rate limit store unavailable (%s): counting in this process for %.0f s",
                            self.scope, fallback.retry_s, exc_info=True)
                fallback.store_failed()
        return count(fallback.limiter)

    def exceeded(self) -> bool:
        items = _items(self.config_key)
        return self._counted(lambda rate: any(not rate.test(item, *self.ids) for item in items))

    def hit(self) -> bool:
        """Count one attempt; False when that attempt went over a limit."""
        items = _items(self.config_key)
        return self._counted(lambda rate: all([rate.hit(item, *self.ids) for item in items]))

    def retry_after(self) -> int:
        """Seconds until the fullest limit lets one more attempt through (at least 1)."""
        items = _items(self.config_key)

        def waits(rate: RateLimiter) -> list[float]:
            now = datetime.now(UTC).timestamp()
            return [rate.get_window_stats(item, *self.ids).reset_time - now
                    for item in items if not rate.test(item, *self.ids)]

        return max(1, int(max(self._counted(waits), default=1) + 0.999))
