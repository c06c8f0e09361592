"""`support-bot webhook set|delete|info` send the right Bot API calls; the webhook settings follow Telegram's rules."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

import app.root
from app import cli
from core.settings import Settings
from tests.e2e.harness import RecordingSession

SECRET = "Deploy_secret-0123456789"
URL = "https://desk.example.ru/telegram/webhook"
TOKEN = "123456:AAHk3JqA9-ZxWv2pL0m_sQeR4tYuI8oPaSd"


@pytest.fixture
def session(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> RecordingSession:
    monkeypatch.chdir(tmp_path)  # no .env from the working tree
    for name, value in {"ADMIN_API_TOKEN": "test-admin-token-0123456789", "BOT_TOKEN": TOKEN, "WEBHOOK_URL": URL,
                        "WEBHOOK_SECRET": SECRET, "KB_MEANING": "false",
                        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"}.items():
        monkeypatch.setenv(name, value)
    recording = RecordingSession()
    real = app.root.build_root

    def with_recording(settings: Settings, **kw: Any) -> app.root.Root:
        return real(settings, bot_session=recording, **kw)

    monkeypatch.setattr(app.root, "build_root", with_recording)
    return recording


def test_webhook_set_sends_url_secret_and_allowed_updates(session: RecordingSession) -> None:
    result = CliRunner().invoke(cli.app, ["webhook", "set"])
    assert result.exit_code == 0, result.output
    [call] = [c for c in session.calls if c.name == "setWebhook"]
    assert call.params["url"] == URL and call.params["secret_token"] == SECRET
    allowed = call.params["allowed_updates"]
    assert {"message", "callback_query", "my_chat_member", "edited_message"} <= set(allowed)
    assert call.params["drop_pending_updates"] is False
    assert SECRET not in result.output


def test_webhook_delete_and_info(session: RecordingSession) -> None:
    session.results["getWebhookInfo"] = {"url": URL, "has_custom_certificate": False, "pending_update_count": 3,
                                         "allowed_updates": ["message"]}
    deleted = CliRunner().invoke(cli.app, ["webhook", "delete", "--drop-pending"])
    info = CliRunner().invoke(cli.app, ["webhook", "info"])
    assert deleted.exit_code == 0 and info.exit_code == 0, (deleted.output, info.output)
    [call] = [c for c in session.calls if c.name == "deleteWebhook"]
    assert call.params["drop_pending_updates"] is True
    assert json.loads(info.output)["pending_update_count"] == 3


def test_run_refuses_to_poll_when_a_webhook_is_configured(session: RecordingSession) -> None:
    result = CliRunner().invoke(cli.app, ["run"])
    assert result.exit_code == 2 and "support-bot web" in result.output
    assert not [c for c in session.calls if c.name == "getUpdates"]


@pytest.mark.parametrize("secret", ["", "has space", "ключ", "x" * 257, "semi;colon"])
def test_webhook_secret_follows_telegrams_rule(secret: str) -> None:
    kw: dict[str, Any] = {"admin_api_token": "test-admin-token-0123456789", "_env_file": None}
    if secret == "":  # empty = not set: then WEBHOOK_URL is refused without it
        with pytest.raises(ValidationError, match="WEBHOOK_SECRET"):
            Settings(webhook_url=URL, webhook_secret=secret, **kw)
        return
    with pytest.raises(ValidationError, match="WEBHOOK_SECRET"):
        Settings(webhook_secret=secret, **kw)


def test_webhook_url_must_be_https() -> None:
    with pytest.raises(ValidationError, match="https"):
        Settings(admin_api_token="test-admin-token-0123456789", webhook_url="http://desk.example.ru/hook",
                 webhook_secret=SECRET, _env_file=None)
    ok = Settings(admin_api_token="test-admin-token-0123456789", webhook_url=URL, webhook_secret="a" * 256,
                  _env_file=None)
    assert ok.webhook_path == "/telegram/webhook"
