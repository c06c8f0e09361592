from __future__ import annotations

from tests.e2e.dialogs import db_user, onboard, tap
from tests.e2e.harness import BotHarness


async def test_first_start_collects_the_profile_once(harness: BotHarness) -> None:
    h = harness
    await h.send_text(7001, "/start")
    assert "Как вас зовут" in (h.last_text(7001) or "")
    await h.send_text(7001, "Ив")  # too short
    assert "ФИО полностью" in (h.last_text(7001) or "")
    await h.send_text(7001, "Иванова Анна Сергеевна")
    await h.send_text(7001, "bad@mail")  # not an e-mail
    assert "не похоже на адрес" in (h.last_text(7001) or "")
    await h.send_text(7001, "a.ivanova@example.ru")
    await tap(h, 7001, "Другой")
    await h.send_text(7001, "Филиал Москва")
    assert "Профиль сохранён" in (h.last_text(7001) or "")
    user = await db_user(h, 7001)
    assert (user.full_name, user.email, user.region, user.profile_complete) == (
        "Иванова Анна Сергеевна", "a.ivanova@example.ru", "Филиал Москва", True)
    await h.send_text(7001, "/start")
    assert "Здравствуйте, Иванова Анна Сергеевна" in (h.last_text(7001) or "")


async def test_profile_edit_and_language(harness: BotHarness) -> None:
    h = harness
    await onboard(h, 7002)
    await h.send_text(7002, "👤 Профиль")
    assert "МРФ Волга" in (h.last_text(7002) or "")
    await tap(h, 7002, "МРФ")
    await tap(h, 7002, "МРФ Урал")
    assert (await db_user(h, 7002)).region == "МРФ Урал"
    assert "МРФ Урал" in (h.last_text(7002) or "")
    await tap(h, 7002, "Язык")
    await tap(h, 7002, "English")
    assert (await db_user(h, 7002)).locale == "en"
    await h.send_text(7002, "👤 Profile")  # the English button works too
    assert "Your profile" in (h.last_text(7002) or "")


async def test_an_english_telegram_client_gets_english_dialogs(harness: BotHarness) -> None:
    h, uid = harness, 7003
    await h.send_text(uid, "/start", language_code="en")
    assert "What is your name" in (h.last_text(uid) or "")
    await h.send_text(uid, "Smith John William", language_code="en")
    await h.send_text(uid, "j.smith", language_code="en")
    await h.press(uid, h.button(uid, "МРФ Юг"), language_code="en")
    assert "Your profile is saved" in (h.last_text(uid) or "")
    await h.send_text(uid, "📝 Report a problem", language_code="en")
    await h.press(uid, h.button(uid, "CLM"), language_code="en")
    assert "Choose the request type" in (h.last_text(uid) or "")
    assert ["Consultation"] in h.buttons(h.last_call(uid, with_inline=True))
    await h.press(uid, h.button(uid, "Consultation"), language_code="en")
    await h.send_text(uid, "How?", language_code="en")  # too short for a question
    assert "too short" in (h.last_text(uid) or "")


async def test_a_region_typed_instead_of_pressed_is_taken(harness: BotHarness) -> None:
    # «Урал» typed at the МРФ step got only «Сейчас я жду другой ответ…»
    h, uid = harness, 7004
    await h.send_text(uid, "/start")
    await h.send_text(uid, "Сидоров Сидор Сидорович")
    await h.send_text(uid, "s.sidorov")
    await h.send_text(uid, "Марс")
    assert "кнопкой выше" in (h.last_text(uid) or "")
    await h.send_text(uid, "урал")
    assert "Профиль сохранён" in (h.last_text(uid) or "")
    assert (await db_user(h, uid)).region == "МРФ Урал"
