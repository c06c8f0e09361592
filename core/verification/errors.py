"""Why an e-mail, a code or a send was refused; the bot says each in words, the API maps them by their base."""

from __future__ import annotations

from core.errors import DomainError, ValidationFailed


class EmailRefused(ValidationFailed):
    """Not an e-mail, outside the allowed domains, or another person's; `reason` says which."""

    def __init__(self, reason: str, message: str, *, email: str) -> None:
        super().__init__(message, fields={"email": message})
        self.reason, self.email = reason, email


class ResendTooSoon(DomainError):
    """A code was sent moments ago (or too many this hour): `wait_seconds` until the next one."""

    code = "resend_too_soon"

    def __init__(self, wait_seconds: int) -> None:
        super().__init__(f"a new code can be sent in {wait_seconds} s", wait_seconds=wait_seconds)
        self.wait_seconds = wait_seconds


class CodeRefused(DomainError):
    """A typed code did not confirm: `reason` is wrong (`left` tries remain), expired, attempts or none."""

    code = "code_refused"

    def __init__(self, reason: str, *, left: int = 0) -> None:
        super().__init__(f"code refused: {reason}", reason=reason, left=left)
        self.reason, self.left = reason, left


class MailNotSent(DomainError):
    """The mail server did not take the code's mail; nothing was kept, asking again is fine."""

    code = "mail_not_sent"
