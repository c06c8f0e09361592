"""The transition table, settings that refuse a weak admin token, and the CLI's «bot is off» text."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from app import cli
from core.errors import IllegalTransition
from core.settings import Settings
from core.tickets.lifecycle import FINAL, TRANSITIONS, Action, Status, allowed_actions, next_status

ALLOWED = [(a, s, t) for a, table in TRANSITIONS.items() for s, t in table.items()]
ILLEGAL = [(a, s) for a in Action for s in Status if s not in TRANSITIONS[a]]


@pytest.mark.parametrize(("action", "status", "target"), ALLOWED, ids=[f"{s}-{a}" for a, s, _ in ALLOWED])
def test_every_allowed_transition(action: Action, status: Status, target: Status | None) -> None:
    step = next_status(status=status.value, action=action.value)
    assert step.action is action and step.from_status is status
    assert step.to_status is (status if target is None else target)
    assert action in allowed_actions(status=status.value)


@pytest.mark.parametrize(("action", "status"), ILLEGAL, ids=[f"{s}-{a}" for a, s in ILLEGAL])
def test_every_illegal_pair_raises_naming_both(action: Action, status: Status) -> None:
    with pytest.raises(IllegalTransition) as err:
        next_status(status=status.value, action=action.value)
    assert (err.value.status, err.value.action) == (status.value, action.value)
    assert f"'{status.value}'" in err.value.message and f"'{action.value}'" in err.value.message
    assert action not in allowed_actions(status=status.value)


def test_table_covers_every_pair_exactly_once() -> None:
    assert len(ALLOWED) + len(ILLEGAL) == len(Action) * len(Status)
    assert len(ILLEGAL) > len(ALLOWED) > len(Action)


def test_final_statuses_allow_nothing() -> None:
    for status in FINAL:
        assert allowed_actions(status=status.value) == []


def test_the_main_road_of_the_regulations() -> None:
    road = [("assigned", "take"), ("in_progress", "request_info"), ("waiting_user", "user_answers"),
            ("in_progress", "resolve"), ("resolved", "reject"), ("in_progress", "resolve"), ("resolved", "confirm")]
    status = "assigned"
    for expected_from, action in road:
        assert status == expected_from
        status = next_status(status=status, action=action).to_status.value
    assert status == "closed"


@pytest.mark.parametrize(("status", "action"), [("assigned", "dance"), ("lost", "take"), ("", "")])
def test_unknown_status_or_action_is_illegal(status: str, action: str) -> None:
    with pytest.raises(IllegalTransition) as err:
        next_status(status=status, action=action)
    assert (err.value.status, err.value.action) == (status, action)


@pytest.mark.parametrize(("token", "words"), [
    ("short-token", "at least 16"),
    ("changeme", "placeholder"),
    ("please-change-this-token", "placeholder"),
    ("CHANGE-ME-CHANGE-ME-1234", "placeholder"),
])
def test_settings_refuse_weak_admin_token(token: str, words: str) -> None:
    with pytest.raises(ValidationError) as err:
        Settings(admin_api_token=token, _env_file=None)
    assert "ADMIN_API_TOKEN" in str(err.value) and words in str(err.value)


def test_settings_accept_a_real_token_and_hide_it() -> None:
    s = Settings(admin_api_token="k3J9-vQ2x_Lm8pTz4R", bot_token="", _env_file=None)
    assert s.admin_api_token.get_secret_value() == "k3J9-vQ2x_Lm8pTz4R"
    assert "k3J9" not in repr(s) and s.bot_token is None


def test_cli_bot_off_text_is_bilingual() -> None:
    assert "BOT_TOKEN" in cli.BOT_OFF
    assert "бот выключен" in cli.BOT_OFF and "the bot is off" in cli.BOT_OFF
    assert "@BotFather" in cli.BOT_OFF and ".env" in cli.BOT_OFF


def test_cli_lists_its_commands() -> None:
    result = CliRunner().invoke(cli.app, ["--help"])
    assert result.exit_code == 0
    for command in ("run", "api", "migrate"):
        assert command in result.output


def test_cli_refuses_placeholder_token_with_readable_message(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADMIN_API_TOKEN", "changeme")
    monkeypatch.chdir("/")  # no .env from the working tree
    result = CliRunner().invoke(cli.app, ["migrate"])
    assert result.exit_code == 2
    assert "ADMIN_API_TOKEN" in result.output and "placeholder" in result.output
