"""What the demo programmes are built from: the source list's towns, the route through a
path definition to a state, a small PDF for the applicants' documents, and the messages of
a history recorded as delivered."""

from __future__ import annotations

import csv
import io
from collections import deque
from dataclasses import dataclass
from pathlib import Path as FsPath

from sqlalchemy import update

from states.definition import PathDefinition
from workflow.extensions import db
from workflow.models import Notification, NotificationStatus


def route_to(definition: PathDefinition, target: str) -> list[str]:
    """The shortest list of events from the initial state to `target` (breadth first)."""
    start = definition.initial
    came: dict[str, tuple[str, str] | None] = {start: None}
    todo = deque([start])
    while todo:
        current = todo.popleft()
        if current == target:
            break
        for t in definition.transitions_from(current):
            if t.target not in came:
                came[t.target] = (current, t.event)
                todo.append(t.target)
    events: list[str] = []
    node = target
    while came[node] is not None:
        prev, event = came[node]  # type: ignore[misc]
        events.append(event)
        node = prev
    return list(reversed(events))


def delivered(programme_id: int) -> None:
    """The messages of a programme's history (queued while `notifications.held()`), recorded
    as delivered when they were made: one statement instead of delivering hundreds one by one
    while seeding."""
    db.session.execute(update(Notification).where(
        Notification.programme_id == programme_id, Notification.status == NotificationStatus.PENDING)
        .values(status=NotificationStatus.SENT, sent_at=Notification.created_at, attempts=1))
    db.session.commit()


def pdf_bytes(text: str) -> bytes:
    """A small valid one-page PDF saying `text` (ASCII only, for the demo's documents)."""
    safe = text.encode("ascii", "replace").decode().replace("(", "[").replace(")", "]")
    stream = f"BT /F1 14 Tf 72 720 Td ({safe}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % n + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
              % (len(objects) + 1, xref))
    return out.getvalue()


@dataclass(frozen=True)
class Town:
    name: str
    voivodeship: str
    teryt: str | None = None  # the gmina's seven-digit TERYT code (data/seed_towns.csv teryt7)
    powiat: str | None = None  # its powiat's four digits (powiat_teryt4)
    seed_list: str = ""  # the source's lists the town is on ("small-town partnerships; …")


def load_all_towns(csv_path: FsPath | None = None) -> list[Town]:
    """Every town of the source list, in its order."""
    path = csv_path or find_towns_csv()
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return [Town(r["name"].strip(), r["voivodeship"].strip(), (r.get("teryt7") or "").strip() or None,
                 (r.get("powiat_teryt4") or "").strip() or None, (r.get("seed_list") or "").strip())
            for r in rows]


def find_towns_csv() -> FsPath:
    """The data file ships in the repo under data/ (a copy of shared/data)."""
    here = FsPath(__file__).resolve().parents[2]
    for candidate in (here / "data" / "seed_towns.csv", here.parent / "shared" / "data" / "seed_towns.csv"):
        if candidate.exists():
            return candidate
    raise FileNotFoundError("data/seed_towns.csv is missing")
