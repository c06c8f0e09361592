"""The organisation step of a contract-bound service (ТЕКОН), as a tester drove it: the name told back is the one
chosen, a part of the name finds it, an empty directory is said plainly, and the support contract is checked when
the organisation is chosen, before any detail is asked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.states import ProfileSG
from core.catalog import service as catalog
from tests.e2e.dialogs import db_user, fsm, onboard, tap
from tests.e2e.harness import BotHarness
from tests.e2e.test_dialog_report import _tickets


def _said(calls: list[Any]) -> str:
    return "\n".join(c.text or "" for c in calls if c.name == "sendMessage")


async def _org(h: BotHarness, name: str, *, valid: bool = True) -> int:
    today = datetime.now(UTC).date()
    start, end = (today - timedelta(days=10), today + timedelta(days=300)) if valid else \
        (today - timedelta(days=400), today - timedelta(days=30))
    org = await catalog.create_organisation(uow=h.root.uow(), name=name,
                                            periods=[{"valid_from": start, "valid_to": end}])
    return org.id


async def _to_tecon(h: BotHarness, uid: int) -> str:
    await onboard(h, uid)
    await h.send_text(uid, "📝 Сообщить о проблеме")
    return _said(await tap(h, uid, "ТЕКОН"))


async def test_organisation_without_contract_is_refused_when_chosen_and_the_names_told_are_the_chosen_ones(
        harness: BotHarness) -> None:
    h, uid = harness, 7601
    await _org(h, "АО Лютик", valid=False)
    romashka = await _org(h, "ООО Ромашка")
    await _to_tecon(h, uid)
    said = _said(await h.send_text(uid, "АО Лютик"))
    assert "Организация: АО Лютик." in said  # was «Организация: .»
    # refused now, before the kind of request and the details are asked (was only at «Отправить»)
    assert "нет действующего договора" in said and "АО Лютик" in said
    assert "вид обращения" not in said
    buttons = str(h.buttons(h.last_call(uid, with_inline=True)))
    assert "Изменить организацию" in buttons and "Консультация" not in buttons
    said = _said(await tap(h, uid, "Изменить организацию"))
    said = _said(await tap(h, uid, "ООО Ромашка"))
    assert "Организация: ООО Ромашка." in said and "АО Лютик" not in said  # was the previous one
    assert "вид обращения" in said
    assert (await db_user(h, uid)).organisation_id == romashka
    await tap(h, uid, "Консультация")
    await h.send_text(uid, "Как выгрузить показания счётчиков за месяц?")
    await tap(h, uid, "Отправить")
    [ticket] = await _tickets(h)
    assert ticket.type == "consultation"


async def test_organisation_is_found_by_a_part_of_its_name_whatever_the_case(harness: BotHarness) -> None:
    h, uid = harness, 7602
    romashka = await _org(h, "ООО Ромашка")
    await _org(h, "АО Лютик")
    await _to_tecon(h, uid)
    said = _said(await h.send_text(uid, "ромашка"))  # was «Не нашёл организацию»: only the whole name matched
    assert "Организация: ООО Ромашка." in said and "вид обращения" in said
    assert (await db_user(h, uid)).organisation_id == romashka


async def test_several_organisations_matching_a_part_are_offered_as_buttons(harness: BotHarness) -> None:
    h, uid = harness, 7603
    await _org(h, "ООО Ромашка")
    other = await _org(h, "АО «Ромашка-Сервис»")
    await _org(h, "АО Лютик")
    await _to_tecon(h, uid)
    said = _said(await h.send_text(uid, "РОМАШКА"))
    assert "несколько организаций" in said
    buttons = str(h.buttons(h.last_call(uid, with_inline=True)))
    assert "ООО Ромашка" in buttons and "Ромашка-Сервис" in buttons and "Лютик" not in buttons
    said = _said(await tap(h, uid, "Ромашка-Сервис"))
    assert "Организация: АО «Ромашка-Сервис»." in said
    assert (await db_user(h, uid)).organisation_id == other and "вид обращения" in said


async def test_no_organisations_says_so_and_what_to_do_instead_of_an_empty_list(harness: BotHarness) -> None:
    h, uid = harness, 7604
    said = await _to_tecon(h, uid)
    assert "Выберите вашу организацию из списка" not in said  # was a list prompt without a list
    assert "нет ни одной организации" in said and "менеджера вашего договора" in said and "/help" in said
    state, _data = await fsm(h, uid)
    assert state != ProfileSG.organisation.state  # not left waiting for a name nothing can match


async def test_a_profile_organisation_without_contract_is_refused_before_the_kind_of_request(
        harness: BotHarness) -> None:
    h, uid = harness, 7605
    lutik = await _org(h, "АО Лютик", valid=False)
    await onboard(h, uid)
    await catalog.upsert_user(uow=h.root.uow(), tg_id=uid, organisation_id=lutik)  # chosen once, long ago
    await h.send_text(uid, "📝 Сообщить о проблеме")
    said = _said(await tap(h, uid, "ТЕКОН"))
    assert "нет действующего договора" in said and "вид обращения" not in said
    assert "Изменить организацию" in str(h.buttons(h.last_call(uid, with_inline=True)))
