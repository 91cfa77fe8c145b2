"""What both demo programmes are built from: the route through a path definition to a
state, and a small PDF for the towns' documents."""

from __future__ import annotations

import io
from collections import deque

from states.definition import PathDefinition


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
