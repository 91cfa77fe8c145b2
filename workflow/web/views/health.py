"""/healthz for the load balancer and the monitoring: is the database answering, and
Redis (when configured)? No login, and nothing in the answer but "ok" or the kind of
error: the details (host names, users) go to the log, not to whoever asks."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify
from sqlalchemy import text

from workflow.extensions import db

bp = Blueprint("health", __name__)

TIMEOUT_S = 2


def database_status() -> str:
    try:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # any failure is a failed check, never a 500
        current_app.logger.warning("healthz: database check failed: %s", exc)
        return f"error: {type(exc).__name__}"
    return "ok"


def redis_status() -> str:
    url = current_app.config.get("REDIS_URL")
    if not url:
        return "not configured"
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=TIMEOUT_S, socket_timeout=TIMEOUT_S)
        try:
            client.ping()
        finally:
            client.close()
    except Exception as exc:
        current_app.logger.warning("healthz: Redis check failed: %s", exc)
        return f"error: {type(exc).__name__}"
    return "ok"


@bp.route("/healthz")
def healthz() -> tuple[Response, int]:
    checks = {"database": database_status(), "redis": redis_status()}
    healthy = all(value in ("ok", "not configured") for value in checks.values())
    response = jsonify(checks)
    response.headers["Cache-Control"] = "no-store"
    return response, 200 if healthy else 503
