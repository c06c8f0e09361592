"""Settings, read once by the composition root from the environment and `.env`."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PLACEHOLDERS = {"changeme", "change-me", "secret", "token", "admin", "password", "your-admin-token-here",
                "please-change-this-token"}
WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: SecretStr | None = None
    telegram_api_url: str | None = None
    database_url: str = "sqlite+aiosqlite:///./data/support.db"
    admin_api_token: SecretStr = Field(...)
    admin_api_host: str = "127.0.0.1"
    admin_api_port: int = 8080
    timezone: str = "Europe/Moscow"
    redis_url: str | None = None
    kb_seed_sample: bool = True
    kb_threshold: float = 0.5
    kb_meaning: bool = True
    kb_poll_seconds: float = 5.0
    sla_sweep_seconds: float = 30.0
    sla_warn_fraction: float = 0.75
    delivery_poll_seconds: float = 1.0
    # one global rate for every message the bot sends (ticket notices and broadcasts together)
    send_rate: float = Field(default=25.0, gt=0)
    # Telegram's paid broadcasts (the owner enables them, Stars are charged): lets send_rate go up to 1,000/s
    allow_paid_broadcast: bool = False
    # with REDIS_URL: dialog replies take slots of the send_rate all processes share (false: replies unpaced, as
    # in one process; a 429 they meet still pauses everyone)
    replies_share_rate: bool = True
    autoclose_working_days: int = 3
    max_file_mb: int = 20
    # staff in Telegram: invitation links, the card sync of line chats, replies relayed to the user
    bot_username: str | None = None  # for invitation links; asked from Telegram (getMe) when empty
    invitation_hours: float = 72.0
    card_sync_seconds: float = 2.0
    leader_poll_seconds: float = Field(2.0, gt=0)  # a standby worker tries to take over this often
    # PostgreSQL: connections each process keeps, the extra ones a peak may open, and the liveness check of a
    # connection at every checkout (one round trip; off, a connection the server dropped fails one request)
    # (every process may hold size + overflow: keep their sum under PostgreSQL's max_connections, 100 by default)
    db_pool_size: int = Field(5, ge=1)
    db_max_overflow: int = Field(10, ge=0)
    db_pool_pre_ping: bool = True
    log_job_runs: bool = False  # one log line per run of a timed job (the scale test checks none ran twice)
    relay_staff_name: bool = True
    api_max_body_mb: float = Field(2.0, gt=0)  # every admin API route but the KB import
    kb_import_max_mb: float = Field(128.0, gt=0)  # POST /api/v1/kb/import (JSON or a zip of the Markdown export)
    kb_import_unpacked_mb: float = Field(256.0, gt=0)  # what a zip import may unpack to (the files are held in memory)
    # who may file tickets from Telegram (003): only people whose work e-mail was confirmed by a one-time code,
    # or whom line 1 approved by hand; the knowledge base stays open to everybody
    require_email_verification: bool = False
    # the domains a confirmed e-mail may be in ("corp.example.ru,example.ru"; exact, case-insensitive); empty: any
    allowed_email_domains: Annotated[list[str], NoDecode] = Field(default_factory=list)
    email_code_minutes: float = Field(15.0, gt=0)  # how long a code lives
    email_code_attempts: int = Field(5, ge=1)  # wrong codes before a new one must be requested
    email_code_resend_seconds: float = Field(60.0, ge=0)  # the least time between two codes to one person
    # SMTP for the codes and for status notices to requesters without Telegram; empty host: mails are logged
    smtp_host: str | None = None
    smtp_port: int = Field(587, ge=1, le=65535)
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str = "support-desk@localhost"
    smtp_starttls: bool = True  # STARTTLS after connecting (port 587); false for a local relay without TLS
    smtp_ssl: bool = False  # TLS from the first byte (port 465)
    smtp_timeout: float = Field(30.0, gt=0)
    # webhook mode (`support-bot web` takes the updates; `support-bot webhook set` registers them with Telegram)
    webhook_url: str | None = None  # the public https URL Telegram posts to, path included
    webhook_secret: SecretStr | None = None  # X-Telegram-Bot-Api-Secret-Token: 1-256 of A-Z a-z 0-9 _ -
    webhook_path: str = "/telegram/webhook"  # where the web process listens (behind the balancer's URL)
    # an update a killed web instance was handling is taken by another one after this (renewed while handling);
    # also how long a chat's Redis lock outlives a killed holder
    webhook_lease_seconds: float = Field(30.0, ge=3)

    @field_validator("admin_api_token")
    @classmethod
    def _strong_token(cls, v: SecretStr) -> SecretStr:
        raw = v.get_secret_value()
        if raw.strip().lower() in PLACEHOLDERS or ("change" in raw.lower() and "me" in raw.lower()):
            raise ValueError("ADMIN_API_TOKEN is a placeholder; set a real random token "
                             "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`)")
        if len(raw) < 16:
            raise ValueError("ADMIN_API_TOKEN must be at least 16 characters long")
        return v

    @model_validator(mode="after")
    def _rate_within_telegram(self) -> Settings:
        limit = 1000.0 if self.allow_paid_broadcast else 30.0
        if self.send_rate > limit:
            raise ValueError(f"SEND_RATE {self.send_rate} is above Telegram's {limit:.0f} messages/s"
                             + ("" if self.allow_paid_broadcast else " (ALLOW_PAID_BROADCAST=true lifts it to 1000)"))
        return self

    @field_validator("bot_token", mode="before")
    @classmethod
    def _empty_token(cls, v: object) -> object:
        return None if v in ("", None) else v

    @field_validator("smtp_password", mode="before")
    @classmethod
    def _empty_password(cls, v: object) -> object:
        return None if v in ("", None) else v

    @field_validator("allowed_email_domains", mode="before")
    @classmethod
    def _domains(cls, v: object) -> object:
        items = v.split(",") if isinstance(v, str) else v
        if isinstance(items, list | tuple):
            return [str(d).strip().lower().lstrip("@") for d in items if str(d).strip()]
        return items

    @model_validator(mode="after")
    def _smtp_tls_once(self) -> Settings:
        if self.smtp_ssl and self.smtp_starttls:
            self.smtp_starttls = False  # implicit TLS already encrypts: STARTTLS on top of it is refused by servers
        return self

    @field_validator("webhook_secret", mode="before")
    @classmethod
    def _empty_secret(cls, v: object) -> object:
        return None if v in ("", None) else v

    @field_validator("webhook_secret")
    @classmethod
    def _telegram_secret(cls, v: SecretStr | None) -> SecretStr | None:
        if v is not None and not WEBHOOK_SECRET.fullmatch(v.get_secret_value()):
            raise ValueError("WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and - (Telegram's rule)")
        return v

    @model_validator(mode="after")
    def _webhook_complete(self) -> Settings:
        if self.webhook_url is None:
            return self
        if not self.webhook_url.startswith("https://"):
            raise ValueError("WEBHOOK_URL must be an https:// URL (Telegram posts only over HTTPS)")
        if self.webhook_secret is None:
            raise ValueError("WEBHOOK_URL needs WEBHOOK_SECRET: every request is checked against it")
        if not self.webhook_path.startswith("/"):
            raise ValueError("WEBHOOK_PATH must start with /")
        return self

    @field_validator("redis_url", "telegram_api_url", "bot_username", "webhook_url", "smtp_host", "smtp_user",
                     mode="before")
    @classmethod
    def _empty_none(cls, v: object) -> object:
        return None if v == "" else v
