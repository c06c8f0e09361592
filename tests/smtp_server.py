"""A real SMTP server on a free local port (aiosmtpd, in its own thread) that keeps what it received."""

from __future__ import annotations

import asyncio
import re
import socket
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Received:
    rcpt: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def body(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        return part.get_content() if part is not None else ""

    def code(self) -> str:
        found = re.search(r"\b(\d{6})\b", self.body)
        assert found, f"no code in the mail: {self.body!r}"
        return found.group(1)


@dataclass
class _Handler:
    received: list[Received] = field(default_factory=list)
    refuse: list[str] = field(default_factory=list)  # the next DATA answers, e.g. "451 4.3.0 try later"
    unknown: set[str] = field(default_factory=set)  # mailboxes that do not exist: RCPT TO is refused with 550

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any) -> str:
        if address.lower() in self.unknown:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse:
            return self.refuse.pop(0)
        msg = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        assert isinstance(msg, EmailMessage)
        self.received.append(Received(rcpt=list(envelope.rcpt_tos), message=msg))
        return "250 OK"


class LocalSmtp:
    def __init__(self) -> None:
        self.port = free_port()
        self.handler = _Handler()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def no_such_mailbox(self, *addresses: str) -> None:
        self.handler.unknown.update(a.lower() for a in addresses)

    def refuse_next(self, *answers: str) -> None:
        self.handler.refuse.extend(answers)

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()

    async def wait_for(self, n: int, seconds: float = 10.0) -> list[Received]:
        """The received mails once there are at least n."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while len(self.received) < n:
            assert loop.time() < deadline, f"{len(self.received)} mails, expected {n}"
            await asyncio.sleep(0.02)
        return self.received

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.rcpt]
