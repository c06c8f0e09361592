"""The e-mail port: what core asks of a mail channel (codes, notices); adapters in core.mail.adapters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Mail:
    to: str
    subject: str
    body: str  # plain text
    sender: str | None = None  # the From; None: SMTP_FROM


class MailError(Exception):
    """A mail was not accepted; `transient` (network, 4xx) means try again later, else it never will be."""

    def __init__(self, message: str, *, transient: bool) -> None:
        super().__init__(message)
        self.message = message
        self.transient = transient


class Mailer(Protocol):
    """Sends one mail or raises MailError."""

    @property
    def delivers(self) -> bool:
        """True when mails really leave the process (False: they are only logged)."""
        ...

    async def send(self, mail: Mail) -> None: ...
