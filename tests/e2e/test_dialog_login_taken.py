"""A login or e-mail another employee already has (whatever its case): the bot asks for another one at the login
step, keeping the name and the region chosen, instead of failing at the region step on every retry."""

from __future__ import annotations

from sqlalchemy import select

from bot.states import ProfileSG
from core.catalog.models import User
from tests.e2e.dialogs import db_user, fsm, onboard, tap
from tests.e2e.harness import BotHarness

TAKEN_RU = "уже указан в профиле другого сотрудника"


async def _people(h: BotHarness) -> dict[int | None, tuple[str | None, str | None, str | None]]:
    async with h.root.session_factory() as s:
        return {u.tg_id: (u.login, u.email, u.region) for u in (await s.scalars(select(User))).all()}


async def test_a_login_taken_in_another_case_asks_another_and_keeps_the_region(harness: BotHarness) -> None:
    h, first, second = harness, 7401, 7402
    await onboard(h, first, login="p.petrov")
    await h.send_text(second, "/start")
    await h.send_text(second, "Сидоров Сидор Сидорович")
    await h.send_text(second, "P.PETROV")
    await tap(h, second, "МРФ Урал")
    said = h.last_text(second) or ""
    assert TAKEN_RU in said and "P.PETROV" in said and "другой логин" in said
    assert (await fsm(h, second))[0] == ProfileSG.login.state
    assert not (await db_user(h, second)).profile_complete  # nothing of the refused profile is saved
    await h.send_text(second, "P.petrov")  # a retry of the same login is refused again, not an apology
    assert TAKEN_RU in (h.last_text(second) or "") and h.errors == []
    asked = len(h.texts(second))
    await h.send_text(second, "s.sidorov")
    after = h.texts(second)[asked:]
    assert not any("Выберите ваш МРФ" in t for t in after)  # the region chosen before is kept
    assert "Профиль сохранён" in after[-1] and "Сообщить о проблеме" in str(h.last_call(second).reply_markup)
    assert (await fsm(h, second))[0] is None
    people = await _people(h)
    assert people[first][0] == "p.petrov" and people[second] == ("s.sidorov", None, "МРФ Урал")
    user = await db_user(h, second)
    assert (user.full_name, user.profile_complete) == ("Сидоров Сидор Сидорович", True)


async def test_a_report_started_before_the_profile_goes_on_after_a_taken_login(harness: BotHarness) -> None:
    h, uid = harness, 7404
    await onboard(h, 7403, login="a.kim")
    await h.send_text(uid, "📝 Сообщить о проблеме")
    await h.send_text(uid, "Ким Алексей Петрович")
    await h.send_text(uid, "A.Kim")
    await tap(h, uid, "Другой")
    await h.send_text(uid, "Филиал Москва")
    assert TAKEN_RU in (h.last_text(uid) or "")
    await h.send_text(uid, "a.kim2")
    assert "Выберите сервис" in (h.last_text(uid) or "")  # the report it stopped goes on
    assert (await _people(h))[uid] == ("a.kim2", None, "Филиал Москва")


async def test_a_taken_email_is_asked_again_in_english(harness: BotHarness) -> None:
    h, uid = harness, 7406
    await onboard(h, 7405, login="j.smith@example.ru")
    await h.send_text(uid, "/start", language_code="en")
    await h.send_text(uid, "Smith John William", language_code="en")
    await h.send_text(uid, "J.Smith@Example.RU", language_code="en")
    await h.press(uid, h.button(uid, "МРФ ЮГ"), language_code="en")
    said = h.last_text(uid) or ""
    assert "The e-mail <b>J.Smith@Example.RU</b> is already given in another employee's profile" in said
    await h.send_text(uid, "john.smith@example.ru", language_code="en")
    assert "Your profile is saved" in (h.last_text(uid) or "")
    people = await _people(h)
    assert people[7405][1] == "j.smith@example.ru" and people[uid] == (None, "john.smith@example.ru", "МРФ ЮГ")


async def test_the_profile_edit_of_a_taken_login_asks_again(harness: BotHarness) -> None:
    h, uid = harness, 7408
    await onboard(h, 7407, login="o.owner")
    await onboard(h, uid, login="m.mine")
    await h.send_text(uid, "👤 Профиль")
    await tap(h, uid, "Логин / e-mail")
    await h.send_text(uid, "O.Owner")
    assert TAKEN_RU in (h.last_text(uid) or "") and h.errors == []
    assert (await fsm(h, uid))[0] == ProfileSG.login.state
    assert (await db_user(h, uid)).login == "m.mine"  # unchanged
    await h.send_text(uid, "m.new")
    assert "m.new" in (h.last_text(uid) or "") and "Ваш профиль" in (h.last_text(uid) or "")
    people = await _people(h)
    assert people[7407][0] == "o.owner" and people[uid][0] == "m.new"
