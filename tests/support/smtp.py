"""A real SMTP server (aiosmtpd) that records what it accepted, for the worker's tests.

    with SmtpCapture() as smtp:            # listens on a free localhost port
        ... deliver ...
        smtp.wait_for(3)
        assert smtp.count_by_message_id() == {...}

`delay` makes the server slow (it sleeps before accepting each recipient, i.e. before the
message's content is sent, so a client killed in that sleep has not delivered it);
`stop()` / `start()` take it down and bring it back on the same port.

Faults after the content arrived (decision 0022): `handler.drop_after_storing = n` stores
the next n messages and then drops the connection instead of answering (the reply is
lost: the client cannot know the message was kept); `handler.refuse_data = "554 …"`
answers DATA with a refusal and keeps nothing; `handler.on_data(envelope)` runs when a
message has been stored, before the server answers (a client killed meanwhile never
hears that its message was kept).
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Received:
    message_id: str
    to: str
    subject: str
    body: str


@dataclass
class Handler:
    delay: float = 0.0
    received: list[Received] = field(default_factory=list)
    rcpt_started: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    drop_after_storing: int = 0
    refuse_data: str = ""
    on_data: Callable[[Any], None] | None = None

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,  # noqa: N802
                          rcpt_options: list) -> str:
        self.rcpt_started.set()
        if self.delay:
            await asyncio.sleep(self.delay)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.refuse_data:
            return self.refuse_data
        msg = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.received.append(Received(str(msg["Message-ID"]), str(msg["To"]),
                                          str(msg["Subject"]), msg.get_content()))
            drop = self.drop_after_storing > 0
            self.drop_after_storing -= drop
        if self.on_data is not None:
            await asyncio.to_thread(self.on_data, envelope)
        if drop:  # stored, and the answer never leaves: the connection just ends
            server.transport.abort()
            return "421 closing"
        return "250 Message accepted for delivery"


class SmtpCapture:
    def __init__(self, port: int | None = None, delay: float = 0.0) -> None:
        self.port = port or free_port()
        self.handler = Handler(delay=delay)
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def __enter__(self) -> SmtpCapture:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def received(self) -> list[Received]:
        with self.handler.lock:
            return list(self.handler.received)

    def count_by_message_id(self) -> Counter:
        return Counter(r.message_id for r in self.received)

    def wait_for(self, n: int, timeout: float = 30.0) -> list[Received]:
        """Wait until at least `n` messages arrived (then a moment more, for duplicates)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if len(self.received) >= n:
                time.sleep(0.5)
                return self.received
            time.sleep(0.1)
        raise AssertionError(f"only {len(self.received)} of {n} messages arrived in {timeout} s")
