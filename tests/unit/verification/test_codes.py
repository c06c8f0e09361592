"""The code rules without a database: digits, hashing, typed forms, domains, the resend throttle, settings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.settings import Settings
from core.verification import codes
from core.verification.codes import Policy

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def test_a_code_is_six_digits_and_codes_differ() -> None:
    made = {codes.new_code() for _ in range(200)}
    assert all(len(c) == 6 and c.isdigit() for c in made)
    assert len(made) > 190  # random, not a counter or a constant


def test_only_a_salted_hash_is_kept_and_it_matches_only_its_code() -> None:
    stored = codes.hash_code("123456")
    assert "123456" not in stored
    assert codes.code_matches("123456", stored)
    assert not codes.code_matches("123457", stored)
    assert codes.hash_code("123456") != stored  # a fresh salt each time


@pytest.mark.parametrize(("typed", "code"), [("123456", "123456"), (" 123 456 ", "123456"), ("123-456", "123456"),
                                             ("12345", None), ("1234567", None), ("код 123456", None), ("", None)])
def test_typed_codes_are_read_with_blanks_and_dashes(typed: str, code: str | None) -> None:
    assert codes.normalise_code(typed) == code


def test_domains_match_exactly_in_any_case_and_none_configured_allows_any() -> None:
    domains = ("corp.example.ru",)
    assert codes.domain_allowed("I.Ivanov@CORP.Example.RU", domains)
    assert not codes.domain_allowed("i.ivanov@gmail.com", domains)
    assert not codes.domain_allowed("i.ivanov@evil-corp.example.ru", domains)
    assert not codes.domain_allowed("i.ivanov@corp.example.ru.evil.com", domains)
    assert codes.domain_allowed("anyone@anywhere.org", ())


def test_resend_waits_a_minute_and_at_most_five_codes_an_hour() -> None:
    policy = Policy(resend_after=timedelta(seconds=60))
    wait = codes.resend_wait(sent_at=NOW, sends=1, window_started_at=NOW, now=NOW + timedelta(seconds=20),
                             policy=policy)
    assert wait == timedelta(seconds=40)
    assert codes.resend_wait(sent_at=NOW, sends=1, window_started_at=NOW, now=NOW + timedelta(seconds=61),
                             policy=policy) == timedelta(0)
    fifth = codes.resend_wait(sent_at=NOW, sends=5, window_started_at=NOW - timedelta(minutes=50),
                              now=NOW + timedelta(minutes=2), policy=policy)
    assert fifth == timedelta(minutes=8)  # the hour that started 50 min before the fifth code
    assert codes.resend_wait(sent_at=NOW, sends=5, window_started_at=NOW - timedelta(minutes=61),
                             now=NOW + timedelta(minutes=2), policy=policy) == timedelta(0)


def test_settings_take_a_comma_separated_domain_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALLOWED_EMAIL_DOMAINS", " Corp.Example.ru, @mail.example.ru ,")
    monkeypatch.setenv("REQUIRE_EMAIL_VERIFICATION", "true")
    monkeypatch.setenv("SMTP_HOST", "")
    s = Settings(admin_api_token="a-real-admin-token-123", _env_file=None)
    assert s.allowed_email_domains == ["corp.example.ru", "mail.example.ru"]
    assert s.smtp_host is None
    policy = Policy.of(s)
    assert policy.required and policy.domains == ("corp.example.ru", "mail.example.ru")
    assert (policy.ttl, policy.max_attempts) == (timedelta(minutes=15), 5)


def test_implicit_tls_turns_starttls_off() -> None:
    s = Settings(admin_api_token="a-real-admin-token-123", smtp_ssl=True, _env_file=None)
    assert (s.smtp_ssl, s.smtp_starttls) == (True, False)
