"""/healthz for the load balancer and the monitoring: which service is down.

    {"status": "degraded", "database": "ok", "redis": "error: ConnectionError",
     "outbox": "ok", "outbox_waiting": 3, "outbox_oldest_s": 41}

- `database`: the one service every page needs. Down, the answer is 503 (`"status":
  "down"`): this web process cannot serve, take it out of rotation.
- `redis` (the Celery broker; the login limiter's store unless RATELIMIT_STORAGE_URI says
  otherwise): down, the web still serves every page (mail waits in the outbox, a ranking
  or an export says it could not be queued, the login limits count per process), so the
  answer stays 200 with `"status": "degraded"`. Every web process shares the one Redis: a
  503 there would make a load balancer take them all out, turning late mail into no site.
- `outbox`: "late" when a message has waited for sending longer than OUTBOX_LATE_S (a
  worker, beat, Redis or the mail server is not doing its part), with how many wait and
  for how long; also "degraded", 200.

No login, and nothing in the answer but states, counts and the kind of an error: the
details (host names, users) go to the log, not to whoever asks. The decision and what to
alert on: docs/decisions/0022, docs/operations.md ("Outages").
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify
from sqlalchemy import func, select, text

from workflow.extensions import db
from workflow.models import Notification, NotificationStatus
from workflow.models.types import utcnow

bp = Blueprint("health", __name__)

TIMEOUT_S = 2
WAITING = (NotificationStatus.PENDING, NotificationStatus.SENDING)


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


def outbox_status() -> dict[str, Any]:
    """How many messages wait to be sent (pending or unconfirmed) and the oldest one's age
    (one query on the (status, created_at) index); "late" past OUTBOX_LATE_S."""
    try:
        waiting, oldest = db.session.execute(
            select(func.count(Notification.id), func.min(Notification.created_at))
            .where(Notification.status.in_(WAITING))).one()
        db.session.commit()
    except Exception as exc:
        db.session.rollback()
        current_app.logger.warning("healthz: outbox check failed: %s", exc)
        return {"outbox": "unknown"}
    age = max(int((utcnow() - oldest).total_seconds()), 0) if oldest is not None else 0
    late = age > int(current_app.config.get("OUTBOX_LATE_S") or 900)
    return {"outbox": "late" if late else "ok", "outbox_waiting": int(waiting), "outbox_oldest_s": age}


@bp.route("/healthz")
def healthz() -> tuple[Response, int]:
    database = database_status()
    checks: dict[str, Any] = {"database": database, "redis": redis_status()}
    checks |= outbox_status() if database == "ok" else {"outbox": "unknown"}
    if database != "ok":
        status, code = "down", 503
    elif checks["redis"] not in ("ok", "not configured") or checks["outbox"] != "ok":
        status, code = "degraded", 200
    else:
        status, code = "ok", 200
    response = jsonify({"status": status, **checks})
    response.headers["Cache-Control"] = "no-store"
    return response, code
