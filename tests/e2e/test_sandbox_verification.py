"""`make run` without SMTP and without a token: verification on, the code is in the product's log and typed in."""

from __future__ import annotations

import re
from pathlib import Path

from tests.e2e.sandbox_client import SandboxClient, free_port, product_env, start, stop
from tests.e2e.test_sandbox_product import _log, _wait_log


async def test_the_sandbox_user_types_the_logged_code_and_may_report(tmp_path: Path) -> None:
    port, admin_port = free_port(), free_port()
    env = product_env(tmp_path, admin_port=admin_port,
                      extra={"REQUIRE_EMAIL_VERIFICATION": "true", "ALLOWED_EMAIL_DOMAINS": "corp.example.ru",
                             "SMTP_HOST": ""})
    proc = start(["sandbox", "--port", str(port)], tmp_path, env, "sandbox.log")
    sb = SandboxClient(f"http://127.0.0.1:{port}")
    log = tmp_path / "sandbox.log"
    try:
        await _wait_log(log, "sandbox web chat")
        anna = next(u for u in (await sb.state())["users"] if u["first_name"] == "Анна")["id"]
        await sb.say(anna, "/start")
        await sb.say(anna, "Петрова Анна Сергеевна")
        await sb.say(anna, "a.petrova")
        await sb.tap(anna, "МРФ Волга")
        await sb.wait_text(anna, "рабочую почту")
        await sb.say(anna, "📝 Сообщить о проблеме")
        await sb.wait_text(anna, "Обращения принимаются только от сотрудников")
        await sb.say(anna, "a.petrova@corp.example.ru")
        await sb.wait_text(anna, "код записан в журнал бота")
        await _wait_log(log, "Код подтверждения: ")
        code = re.findall(r"Код подтверждения: (\d{6})", _log(log))[-1]
        since = await sb.revision()
        await sb.say(anna, code, settle=False)
        await sb.settle(since, quiet=2.5)  # two answers: the confirmation, then the report's first step
        texts = await sb.texts(anna)
        assert any("Почта a.petrova@corp.example.ru подтверждена" in t for t in texts[-2:]), texts[-3:]
        assert "Выберите сервис" in texts[-1]  # straight on with the report that was stopped
    finally:
        stop(proc)
        await sb.aclose()
