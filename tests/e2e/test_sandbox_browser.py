"""The sandbox's web chat in headless Chromium (Debian's package, driven by Playwright): what a newcomer does.

The product runs as `support-bot sandbox` (what `make run` starts without a token); the page is used as a person
would: open a user's chat, press «Начать», answer the bot by typing, by buttons and with a file; look at a line
chat as a staff member. Screenshots go to tests/artifacts/ (gitignored).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect, sync_playwright

from tests.e2e.sandbox_client import free_port, product_env, start, stop

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


class Desk:
    """The running demo: the sandbox's address and a way to wait until the bot has answered."""

    def __init__(self, base: str, admin: str) -> None:
        self.base, self.admin = base, admin
        self.http = httpx.Client(base_url=base, timeout=30)

    def get(self, path: str) -> Any:
        return self.http.get("/sandbox/api" + path).json()["result"]

    def revision(self) -> int:
        return int(self.get("/revision")["revision"])

    def settle(self, since: int, quiet: float = 0.8, limit: float = 40) -> None:
        deadline = time.monotonic() + limit
        last, stable = since, time.monotonic()
        while time.monotonic() < deadline:
            rev = self.revision()
            if rev != last:
                last, stable = rev, time.monotonic()
            elif rev != since and time.monotonic() - stable >= quiet:
                return
            time.sleep(0.1)
        raise AssertionError("the bot did not answer")

    def step(self, action: Callable[[], Any]) -> None:
        since = self.revision()
        action()
        self.settle(since)


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    assert CHROMIUM.exists(), "the browser tests need Debian's chromium: apt-get install -y chromium (.ci/run does)"
    tmp = tmp_path_factory.mktemp("browser")
    port, admin_port = free_port(), free_port()
    proc = start(["sandbox", "--port", str(port)], tmp, product_env(tmp, admin_port=admin_port), "sandbox.log")
    try:
        deadline = time.monotonic() + 120
        while "sandbox web chat" not in (tmp / "sandbox.log").read_text(errors="replace"):
            assert proc.poll() is None and time.monotonic() < deadline, (tmp / "sandbox.log").read_text()[-3000:]
            time.sleep(0.3)
        yield Desk(f"http://127.0.0.1:{port}", f"http://127.0.0.1:{admin_port}")
    finally:
        stop(proc)


@pytest.fixture
def page(desk: Desk) -> Iterator[Page]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            pg = browser.new_page(viewport={"width": 1280, "height": 860}, locale="ru-RU")
            pg.goto(desk.base)
            yield pg
        finally:
            browser.close()


def _shot(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"sandbox-{name}.png"))


def _type(desk: Desk, page: Page, text: str) -> None:
    def go() -> None:
        page.fill("#text", text)
        page.press("#text", "Enter")
    desk.step(go)


def _button(desk: Desk, page: Page, label: str) -> None:
    desk.step(lambda: page.locator("#messages .inline-kb button", has_text=label).last.click())


def _last_bot(page: Page) -> Any:
    return page.locator("#messages .msg.bot").last


def test_a_users_report_through_the_page_with_buttons_and_a_file(desk: Desk, page: Page) -> None:
    expect(page.locator("#private-chats li", has_text="Анна Петрова")).to_be_visible()
    _shot(page, "01-start-page")
    page.locator("#private-chats li", has_text="Анна Петрова").click()
    expect(page.locator("#start-btn")).to_be_visible()
    desk.step(lambda: page.click("#start-btn"))
    _shot(page, "02-after-start")
    _type(desk, page, "Петрова Анна Сергеевна")
    _type(desk, page, "a.petrova")
    _button(desk, page, "МРФ Волга")
    expect(page.locator("#reply-keyboard button", has_text="Сообщить о проблеме")).to_be_visible()
    desk.step(lambda: page.locator("#reply-keyboard button", has_text="Сообщить о проблеме").click())
    _button(desk, page, "NTTM")
    _button(desk, page, "Инцидент")
    expect(_last_bot(page)).to_contain_text("Шаги воспроизведения")
    _shot(page, "03-dialog-step")
    _type(desk, page, "Открыл наряд, нажал «Закрыть»")
    _type(desk, page, "Наряд закрывается")
    _type(desk, page, "Ошибка ORA-00001 при закрытии наряда")
    _button(desk, page, "Пропустить")
    _type(desk, page, "Началось после обновления 21.11")
    desk.step(lambda: page.set_input_files("#file", files=[{"name": "trace.log", "mimeType": "text/plain",
                                                              "buffer": b"ORA-00001 unique constraint violated\n"}]))
    expect(page.locator("#messages .msg.mine .doc", has_text="trace.log")).to_be_visible()
    expect(_last_bot(page)).to_contain_text("принят")
    _shot(page, "04-file-uploaded")
    _button(desk, page, "Готово")
    _button(desk, page, "Много пользователей")
    _button(desk, page, "Да")
    _button(desk, page, "Нет")
    _button(desk, page, "Согласен")
    expect(_last_bot(page)).to_contain_text("Проверьте обращение")
    expect(_last_bot(page).locator("b").first).to_be_visible()  # the bot's HTML is rendered, not shown as tags
    _shot(page, "05-summary")
    # «изменить» under one's own text edits it in place (edited_message): the summary comes again with it
    page.once("dialog", lambda dialog: dialog.accept("Началось после обновления 22.11"))
    desk.step(lambda: page.locator("#messages .msg.mine", has_text="21.11").locator("button.edit").click())
    expect(page.locator("#messages .msg.mine", has_text="22.11")).to_contain_text("изменено")
    expect(_last_bot(page)).to_contain_text("Началось после обновления 22.11")
    _shot(page, "05b-edited-answer")
    _button(desk, page, "Отправить")
    expect(page.locator("#messages")).to_contain_text("зарегистрировано")
    assert "<b>" not in page.locator("#messages").inner_text()
    _shot(page, "06-registered")
    page.click("#menu-btn")
    expect(page.locator("#menu")).to_contain_text("/report")
    _shot(page, "07-command-menu")


def test_a_line_chat_as_staff_with_personas_and_topics(desk: Desk, page: Page) -> None:
    chat = page.locator("#group-chats li", has_text="2ЛТП (эксплуатация)")
    chat.click()
    expect(page.locator("#personas .chip.active")).to_be_visible()
    expect(page.locator("#topics button", has_text="Общая")).to_be_visible()
    page.on("dialog", lambda d: d.accept("Разбор SD-1"))
    desk.step(lambda: page.click("#chat-tools button:has-text('+ тема')"))
    expect(page.locator("#topics button", has_text="Разбор SD-1")).to_be_visible()
    page.locator("#topics button", has_text="Разбор SD-1").click()
    _type(desk, page, "Беру в работу")
    expect(page.locator("#messages .msg.mine")).to_contain_text("Беру в работу")
    _shot(page, "08-line-chat-topic")
    state = desk.get("/state")
    line2 = next(c for c in state["chats"] if c.get("title") == "2ЛТП (эксплуатация)")
    [topic] = [t for t in line2["topics"] if t["name"] == "Разбор СД-1".replace("СД", "SD")]
    said = [m for m in desk.get(f"/chats/{line2['id']}/messages") if m.get("text") == "Беру в работу"]
    assert said and said[0]["message_thread_id"] == topic["message_thread_id"]


def test_staff_take_the_ticket_from_its_card_in_the_line_chat(desk: Desk, page: Page) -> None:
    """The first test's report reaches line 2's chat as a card; its staff member presses «Взять» on the page."""
    page.locator("#group-chats li", has_text="2ЛТП (эксплуатация)").click()
    expect(page.locator("#personas .chip.active")).to_be_visible()
    topic = page.locator("#topics button", has_text="SD-000001")
    if topic.count():  # forum mode: the ticket's card lives in its own topic
        topic.first.click()
    card = page.locator("#messages .msg.bot", has_text="SD-000001").last
    expect(card).to_be_visible(timeout=30_000)
    expect(card).to_contain_text("Назначено")
    desk.step(lambda: card.locator(".inline-kb button", has_text="Взять").click())
    card = page.locator("#messages .msg.bot", has_text="SD-000001").last
    expect(card).to_contain_text("В работе", timeout=30_000)
    _shot(page, "09-card-taken")
