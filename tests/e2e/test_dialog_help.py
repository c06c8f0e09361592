"""/help names the other ways each service's regulation gives to reach its desk."""

from __future__ import annotations

from tests.e2e.harness import BotHarness


async def test_help_lists_each_services_phones_e_mail_and_portals(harness: BotHarness) -> None:
    await harness.send_text(7601, "/help")
    text = harness.last_text(7601) or ""
    assert "Другие способы обратиться в поддержку" in text
    assert "8 (800) 200-00-33" in text and "helpdesk@rt.ru" in text  # CRM B2C (001)
    assert "(495) 730-41-12" in text and "veyc@tecon.ru" in text  # ТЕКОН (002)
    assert "ihelp@rt.ru" in text  # NTTM (003)
