"""The product as a process against the Bot API sandbox over real HTTP, driven through the sandbox's control API.

`support-bot sandbox` is what `make run` starts without a token: the sandbox, the demo (users, staff, line chats
bound through the admin API) and the bot polling it. These tests take a user's report to its confirmation, and
restart the product in the middle of a dialog.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.sandbox_client import SandboxClient, free_port, product_env, start, stop

ADMIN = "sandbox-e2e-admin-token-0123456789"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c63600000"
                    "02000154a24f5d0000000049454e44ae426082")


def _log(path: Path) -> str:
    return path.read_text(errors="replace") if path.exists() else ""


async def _wait_log(path: Path, needle: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while needle not in _log(path):
        if time.monotonic() > deadline:
            raise AssertionError(f"«{needle}» never appeared in {path.name}:\n{_log(path)[-3000:]}")
        await asyncio.sleep(0.3)


async def _report_until_summary(sb: SandboxClient, uid: int) -> None:
    await sb.say(uid, "/start")
    await sb.say(uid, "Петрова Анна Сергеевна")
    await sb.say(uid, "a.petrova")
    await sb.tap(uid, "МРФ Волга")
    await sb.say(uid, "📝 Сообщить о проблеме")
    await sb.tap(uid, "NTTM")
    await sb.tap(uid, "Инцидент")
    await sb.say(uid, "Открыл наряд, нажал «Закрыть»")
    await sb.say(uid, "Наряд закрывается")
    await sb.say(uid, "Ошибка ORA-00001 при закрытии наряда")
    await sb.tap(uid, "Пропустить")
    await sb.say(uid, "Началось после обновления 21.11")
    await sb.upload(uid, "screen.png", PNG, "image/png", as_photo=True)
    await sb.upload(uid, "trace.log", b"ORA-00001 unique constraint violated\n", "text/plain")
    await sb.tap(uid, "Готово")
    await sb.tap(uid, "Много пользователей")
    await sb.tap(uid, "Да")
    await sb.tap(uid, "Нет")
    await sb.tap(uid, "Согласен")
    await sb.wait_text(uid, "Проверьте обращение")


@pytest.fixture
async def demo(tmp_path: Path) -> AsyncIterator[tuple[SandboxClient, httpx.AsyncClient, Any]]:
    port, admin_port = free_port(), free_port()
    proc = start(["sandbox", "--port", str(port)], tmp_path, product_env(tmp_path, admin_port=admin_port),
                 "sandbox.log")
    sb = SandboxClient(f"http://127.0.0.1:{port}")
    api = httpx.AsyncClient(base_url=f"http://127.0.0.1:{admin_port}/api/v1", timeout=30,
                            headers={"Authorization": f"Bearer {ADMIN}"})
    try:
        await _wait_log(tmp_path / "sandbox.log", "sandbox web chat")
        yield sb, api, proc
    finally:
        stop(proc)
        await sb.aclose()
        await api.aclose()


async def test_a_users_report_is_taken_resolved_by_line_2_and_confirmed_over_http(demo: Any) -> None:
    sb, api, _ = demo
    state = await sb.state()
    anna = next(u for u in state["users"] if u["first_name"] == "Анна")
    line2_chat = next(c for c in state["chats"] if c.get("title") == "2ЛТП (эксплуатация)")
    assert line2_chat["is_forum"] and line2_chat["bot_status"] == "administrator"
    menu = await sb.call("GET", f"/chats/{anna['id']}/menu")
    assert {"command": "report", "description": "Сообщить о проблеме"} in menu  # setMyCommands reached the page
    await _report_until_summary(sb, anna["id"])
    await sb.tap(anna["id"], "Отправить")
    done = await sb.wait_text(anna["id"], "зарегистрировано")
    assert "зарегистрировано" in done and "SD-" in done
    [ticket] = (await api.get("/tickets")).json()["items"]
    assert ticket["line"] == "line2" and ticket["number"] in done
    [staff] = [s for s in (await api.get("/staff")).json() if s["line_code"] == "line2"]
    assert str(staff["user"]["tg_id"]) in line2_chat["members"]  # the demo's line-2 person sits in the line chat
    for action in ({"action": "take"}, {"action": "resolve", "text": "Индекс пересоздан, наряды закрываются",
                                           "closing_code": "resolved", "config_item": "Данные / NTTM"}):
        resp = await api.post(f"/tickets/{ticket['id']}/actions", json={"staff_id": staff["id"], **action})
        assert resp.status_code == 200, resp.text
    since = await sb.revision()
    await sb.settle(since, quiet=1.5)  # the delivery worker pushes both notices
    texts = await sb.texts(anna["id"])
    assert any("взято в работу" in t for t in texts)
    assert "Индекс пересоздан" in texts[-1]
    await sb.tap(anna["id"], "Подтвердить")
    await sb.wait_text(anna["id"], "закрыто")
    assert (await api.get(f"/tickets/{ticket['id']}")).json()["status"] == "closed"


async def test_a_restart_of_the_product_mid_dialog_continues_where_the_user_was(tmp_path: Path) -> None:
    port, admin_port = free_port(), free_port()
    token = "1234567890:sandbox-e2e-restart-token-abcdefghij"
    box = await asyncio.create_subprocess_exec(sys.executable, "-m", "sandbox", "--port", str(port), "--data",
                                               str(tmp_path / "sb"), "--token", token, cwd=tmp_path,
                                               stdout=asyncio.subprocess.DEVNULL)
    env = product_env(tmp_path, admin_port=admin_port,
                      extra={"BOT_TOKEN": token, "TELEGRAM_API_URL": f"http://127.0.0.1:{port}"})
    sb = SandboxClient(f"http://127.0.0.1:{port}")
    product = None
    try:
        await sb.wait_up()
        product = start(["run"], tmp_path, env, "product.log")
        await _wait_log(tmp_path / "product.log", "Run polling")
        uid = (await sb.create_user("Борис"))["id"]
        await sb.say(uid, "/start")
        await sb.say(uid, "Борисов Борис Борисович")
        assert "логин" in (await sb.last_text(uid)).lower()
        asked = len(await sb.bot_messages(uid))
        stop(product, kill=True)  # killed between two steps of the profile dialog
        await sb.say(uid, "b.borisov", settle=False)  # written while the bot is down: Telegram keeps the update
        product = start(["run"], tmp_path, env, "product.log")
        deadline = time.monotonic() + 90
        while len(await sb.bot_messages(uid)) == asked:
            assert time.monotonic() < deadline, _log(tmp_path / "product.log")[-3000:]
            await asyncio.sleep(0.3)
        await sb.settle(await sb.revision() - 1)
        assert "регион" in (await sb.last_text(uid)).lower()  # the next step: the login was taken
        await sb.tap(uid, "МРФ Волга")
        texts = await sb.texts(uid)
        assert sum("логин" in t.lower() for t in texts) == 1  # the login was not asked again
        assert (await sb.call("GET", "/revision"))["pending_updates"] == 0
    finally:
        if product is not None:
            stop(product)
        box.terminate()
        await box.wait()
        await sb.aclose()
