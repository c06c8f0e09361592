"""The rules of the one-time codes, without a database: making, hashing and checking, domains, throttling."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.catalog.intake import EMAIL_RE
from core.settings import Settings

DIGITS = 6
SENDS_PER_HOUR = 5


@dataclass(frozen=True, slots=True)
class Policy:
    """What the settings say about verification."""

    required: bool = False
    domains: tuple[str, ...] = ()
    ttl: timedelta = timedelta(minutes=15)
    max_attempts: int = 5
    resend_after: timedelta = timedelta(seconds=60)
    sends_per_hour: int = SENDS_PER_HOUR

    @classmethod
    def of(cls, settings: Settings) -> Policy:
        """The policy of these settings."""
        return cls(required=settings.require_email_verification, domains=tuple(settings.allowed_email_domains),
                   ttl=timedelta(minutes=settings.email_code_minutes), max_attempts=settings.email_code_attempts,
                   resend_after=timedelta(seconds=settings.email_code_resend_seconds))


def new_code() -> str:
    """Six random digits from the system's CSPRNG."""
    return f"{secrets.randbelow(10 ** DIGITS):0{DIGITS}d}"


def hash_code(code: str, *, salt: str | None = None) -> str:
    """`salt$hex` of a salted SHA-256; the code itself is never stored."""
    salt = salt or secrets.token_hex(8)
    return f"{salt}${hashlib.sha256(f'{salt}:{code}'.encode()).hexdigest()}"


def code_matches(code: str, stored: str) -> bool:
    """Constant-time check of a typed code against the stored hash."""
    salt, _, _digest = stored.partition("$")
    return hmac.compare_digest(hash_code(code, salt=salt), stored)


def normalise_code(text: str) -> str | None:
    """The digits of a typed code («123 456», «123-456» are fine), or None when it is not a code at all."""
    digits = "".join(ch for ch in text if ch.isdigit())
    rest = "".join(ch for ch in text if not ch.isdigit() and ch not in " -")
    return digits if len(digits) == DIGITS and not rest else None


def is_email(text: str) -> bool:
    return bool(EMAIL_RE.match(text))


def domain_of(email: str) -> str:
    return email.rpartition("@")[2].strip().lower()


def domain_allowed(email: str, domains: tuple[str, ...]) -> bool:
    """True when no domains are configured, or the address is in one of them (exact match, any case)."""
    return not domains or domain_of(email) in domains


def resend_wait(*, sent_at: datetime, sends: int, window_started_at: datetime, now: datetime,
                policy: Policy) -> timedelta:
    """How long until another code may be sent (zero: now)."""
    wait = sent_at + policy.resend_after - now
    if now - window_started_at < timedelta(hours=1) and sends >= policy.sends_per_hour:
        wait = max(wait, window_started_at + timedelta(hours=1) - now)
    return max(wait, timedelta(0))
