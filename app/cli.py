"""`support-bot`: run the product, only the API, migrations, knowledge-base import/export."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from pydantic import ValidationError

from core.settings import Settings

if TYPE_CHECKING:
    from app.root import Root

T = TypeVar("T")

log = logging.getLogger("support-bot")
app = typer.Typer(help="Telegram support desk: bot, admin API and SLA scheduler.", no_args_is_help=True)

BOT_OFF = (
    "BOT_TOKEN не задан: бот выключен, работают админ-API и планировщик. "
    "Чтобы включить бота, получите токен у @BotFather и задайте BOT_TOKEN в .env.\n"
    "BOT_TOKEN is not set: the bot is off; the admin API and the scheduler run. "
    "To turn the bot on, get a token from @BotFather and set BOT_TOKEN in .env."
)


def _logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # the scheduler logs two lines per job run (every second for delivery): only its problems matter
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


def mask_secrets(settings: Settings) -> None:
    """No log line may carry the bot token or the admin token: a filter on every handler that writes lines."""
    from core.redact import install

    secrets = [settings.admin_api_token.get_secret_value()]
    if settings.bot_token is not None:
        secrets.append(settings.bot_token.get_secret_value())
    if settings.webhook_secret is not None:
        secrets.append(settings.webhook_secret.get_secret_value())
    for name in ("", "uvicorn", "uvicorn.error", "uvicorn.access"):
        install(secrets, logging.getLogger(name or None))


def load_settings(**overrides: Any) -> Settings:
    """Reads settings or exits with a readable message."""
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        lines = [f"  {'.'.join(str(p) for p in e['loc']).upper()}: {e['msg']}" for e in exc.errors()]
        typer.echo("Configuration error / ошибка настройки:\n" + "\n".join(lines), err=True)
        raise typer.Exit(2) from exc


async def _serve(settings: Settings, *, with_bot: bool,
                 beside: Callable[[Root], list[Coroutine[Any, Any, Any]]] | None = None) -> None:
    """Runs the root until one part ends; `beside(root)` gives more tasks to run with it (the sandbox, its demo)."""
    import uvicorn

    from app.root import build_root

    root = build_root(settings, with_bot=with_bot)
    if root.api is None:  # build_root makes it unless told not to
        raise RuntimeError("the admin API was not built")
    await root.startup()
    root.start_jobs()
    if with_bot and root.bot is None:
        typer.echo(BOT_OFF, err=True)
    server = uvicorn.Server(uvicorn.Config(root.api, host=settings.admin_api_host, port=settings.admin_api_port,
                                           log_level="info", lifespan="off"))
    mask_secrets(settings)  # after uvicorn.Config: it installs its own handlers
    tasks = [asyncio.create_task(server.serve())]
    if root.bot is not None and root.dp is not None:
        from bot.polling import run_bot

        # an unreachable Bot API is waited for inside run_bot: it never ends the process (nor the admin API)
        tasks.append(asyncio.create_task(run_bot(root.bot, root.dp, i18n=root.i18n)))
    tasks.extend(asyncio.create_task(aw) for aw in (beside(root) if beside is not None else []))
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for t in done:
            t.result()
    finally:
        server.should_exit = True
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await root.shutdown()


@app.command()
def run(sandbox_without_token: Annotated[bool, typer.Option(
        "--sandbox-without-token", help="no BOT_TOKEN: run the bot against the local sandbox (make run)")] = False,
        ) -> None:
    """Everything: migrations, admin API, scheduler and (with BOT_TOKEN) the bot."""
    settings = load_settings()
    if sandbox_without_token and settings.bot_token is None and settings.telegram_api_url is None:
        typer.echo(SANDBOX_INSTEAD, err=True)
        sandbox()
        return
    if settings.webhook_url is not None:
        typer.echo(WEBHOOK_NOT_POLLING, err=True)
        raise typer.Exit(2)
    _logging()
    asyncio.run(_serve(settings, with_bot=True))


WEBHOOK_NOT_POLLING = ("WEBHOOK_URL задан: обновления принимает `support-bot web` (задачи — `support-bot worker`); "
                       "для опроса (polling) очистите WEBHOOK_URL и выполните `support-bot webhook delete`.\n"
                       "WEBHOOK_URL is set: `support-bot web` takes the updates (`support-bot worker` runs the jobs); "
                       "to poll, empty WEBHOOK_URL and run `support-bot webhook delete`.")


@app.command()
def worker() -> None:
    """The scheduler and every timed or queued job, active in one worker at a time (several may stand by)."""
    settings = load_settings()
    _logging()
    mask_secrets(settings)
    asyncio.run(_work(settings))


async def _work(settings: Settings) -> None:
    from app.root import build_root
    from core.leader import Leadership

    # the bot is built for sending (delivery, broadcasts, cards); updates are taken by `web` or `run`, not here
    root = build_root(settings, with_bot=True, with_api=False)
    await root.startup()
    leadership = Leadership(root.engine, poll=settings.leader_poll_seconds)

    async def gain() -> None:
        root.start_jobs()

    try:
        await leadership.lead(on_gain=gain)
        # lost: another worker may be active by now, so this one must stop sending; its supervisor restarts it
        log.error("leadership lost: the worker stops (it will stand by again when restarted)")
        raise typer.Exit(1)
    finally:
        await leadership.release()
        await root.shutdown()


@app.command()
def web() -> None:
    """The admin API without the scheduler, and with WEBHOOK_URL the webhook receiver (any number of instances)."""
    settings = load_settings()
    _logging()
    asyncio.run(_web(settings))


async def _web(settings: Settings) -> None:
    import uvicorn

    from app.root import build_root

    webhook = settings.webhook_url is not None
    # webhook mode: the bot is built to handle the posted updates and to reply, but never polls
    root = build_root(settings, with_bot=webhook)
    if root.api is None:
        raise RuntimeError("the admin API was not built")
    if webhook and root.bot is None:
        typer.echo("WEBHOOK_URL needs BOT_TOKEN / для WEBHOOK_URL нужен BOT_TOKEN", err=True)
        raise typer.Exit(2)
    await root.startup()
    tasks: list[asyncio.Task[Any]] = []
    if webhook:
        from app.webhook import serve_webhook

        tasks.append(asyncio.create_task(serve_webhook(root).run()))
    server = uvicorn.Server(uvicorn.Config(root.api, host=settings.admin_api_host, port=settings.admin_api_port,
                                           log_level="info", lifespan="off"))
    mask_secrets(settings)
    try:
        await server.serve()
    finally:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await root.shutdown()


webhook_app = typer.Typer(help="Telegram webhook: set it once at deploy, delete it, show its state.",
                          no_args_is_help=True)
app.add_typer(webhook_app, name="webhook")


def _with_bot(action: Callable[[Root], Awaitable[T]]) -> T:
    """Runs `action(root)` on a root with the bot (no API, no database work)."""
    from app.root import build_root

    settings = load_settings()
    mask_secrets(settings)

    async def _go() -> T:
        root = build_root(settings, with_api=False)
        try:
            if root.bot is None:
                typer.echo("BOT_TOKEN is required / нужен BOT_TOKEN", err=True)
                raise typer.Exit(2)
            return await action(root)
        finally:
            await root.shutdown()

    return asyncio.run(_go())


@webhook_app.command("set")
def webhook_set(drop_pending: Annotated[bool, typer.Option(
        "--drop-pending", help="drop the updates Telegram holds for the bot")] = False) -> None:
    """setWebhook: WEBHOOK_URL with WEBHOOK_SECRET and the update types the bot handles."""
    from app.webhook import set_webhook

    async def _go(root: Root) -> list[str]:
        if root.settings.webhook_url is None or root.bot is None or root.dp is None:
            typer.echo("WEBHOOK_URL and WEBHOOK_SECRET are required / нужны WEBHOOK_URL и WEBHOOK_SECRET", err=True)
            raise typer.Exit(2)
        return await set_webhook(bot=root.bot, dp=root.dp, settings=root.settings, drop_pending=drop_pending)

    updates = _with_bot(_go)
    typer.echo(f"webhook set / вебхук установлен; allowed_updates: {', '.join(updates)}")


@webhook_app.command("delete")
def webhook_delete(drop_pending: Annotated[bool, typer.Option(
        "--drop-pending", help="drop the updates Telegram holds for the bot")] = False) -> None:
    """deleteWebhook (back to polling with `support-bot run`)."""
    async def _go(root: Root) -> None:
        assert root.bot is not None
        await root.bot.delete_webhook(drop_pending_updates=drop_pending)

    _with_bot(_go)
    typer.echo("webhook deleted / вебхук удалён")


@webhook_app.command("info")
def webhook_info() -> None:
    """getWebhookInfo: the URL, pending updates, the last error."""
    import json

    from app import webhook

    async def _go(root: Root) -> dict[str, Any]:
        assert root.bot is not None
        return await webhook.webhook_info(bot=root.bot)

    typer.echo(json.dumps(_with_bot(_go), ensure_ascii=False, indent=2))


SANDBOX_INSTEAD = ("BOT_TOKEN не задан: бот работает с локальной песочницей Bot API (веб-чат ниже).\n"
                   "BOT_TOKEN is not set: the bot runs against the local Bot API sandbox (web chat below).")


@app.command()
def sandbox(host: Annotated[str, typer.Option(help="address of the sandbox and its web chat")] = "127.0.0.1",
            port: Annotated[int, typer.Option(help="port of the sandbox and its web chat")] = 8090,
            data: Annotated[Path, typer.Option(help="folder of sandbox.sqlite3 and its files")] = Path("data"),
            rate_limits: Annotated[bool, typer.Option(help="answer 429 over Telegram's rates")] = True,
            demo: Annotated[bool, typer.Option(help="seed demo users, staff and line chats on first start")] = True,
            ) -> None:
    """The product against a local Bot API sandbox with a web chat: try the bot without Telegram."""
    from app import sandbox_run

    _logging()
    opts = sandbox_run.SandboxOptions(host=host, port=port, data_dir=data, rate_limits=rate_limits, demo=demo)
    asyncio.run(sandbox_run.run(load_settings(), opts, serve=_serve))


@app.command()
def api(host: Annotated[str | None, typer.Option(help="bind address")] = None,
        port: Annotated[int | None, typer.Option(help="port")] = None) -> None:
    """The admin API and the scheduler only (no bot)."""
    _logging()
    asyncio.run(_serve(load_settings(admin_api_host=host, admin_api_port=port), with_bot=False))


@app.command()
def migrate() -> None:
    """Applies pending migrations and seeds reference data."""
    from app.root import build_root

    async def _go() -> None:
        root = build_root(load_settings(), with_bot=False, with_api=False)
        try:
            await root.startup()
        finally:
            await root.shutdown()

    asyncio.run(_go())
    typer.echo("database is up to date / база данных обновлена")


kb_app = typer.Typer(help="Knowledge base import/export.", no_args_is_help=True)
app.add_typer(kb_app, name="kb")


def _refusing(fn: Callable[[], T]) -> T:
    """Runs fn; a domain refusal (bad file, bad folder) exits with its message."""
    from core.errors import DomainError

    try:
        return fn()
    except DomainError as exc:
        typer.echo(f"отказ / refused: {exc.message}", err=True)
        raise typer.Exit(1) from exc


def _with_root(action: Callable[[Root], Awaitable[T]]) -> T:
    """Runs `action(root)` on a started root without API or bot (the running API process reloads by its poll)."""
    from app.root import build_root

    async def _go() -> T:
        root = build_root(load_settings(), with_bot=False, with_api=False)
        try:
            await root.startup()
            return await action(root)
        finally:
            await root.shutdown()

    return _refusing(lambda: asyncio.run(_go()))


@kb_app.command("import")
def kb_import(path: Annotated[Path, typer.Argument(help="a JSON file, or a folder of Markdown files")]) -> None:
    """Imports articles (upsert by id, else by title) and synonyms; a bad file is refused whole."""
    from kb.io import read_path

    bundle = _refusing(lambda: read_path(path))
    res = _with_root(lambda root: root.kb.import_bundle(uow_factory=root.uow, bundle=bundle, author="cli"))
    typer.echo(f"imported / импортировано: {res}")


@kb_app.command("export")
def kb_export(path: Annotated[Path, typer.Argument(help="a JSON file, or a new/empty folder for Markdown")],
              fmt: Annotated[str, typer.Option("--format", help="json or md")] = "json") -> None:
    """Exports every article (deleted ones excluded) and the synonyms."""
    from kb.io import dump_json, write_markdown_dir

    if fmt not in ("json", "md"):
        typer.echo("--format: json or md", err=True)
        raise typer.Exit(2)
    data = _with_root(lambda root: root.kb.export_all(uow_factory=root.uow))
    if fmt == "json":
        path.write_text(dump_json(data["articles"], data["synonyms"]), encoding="utf-8")
    else:
        _refusing(lambda: write_markdown_dir(path, data["articles"], data["synonyms"]))
    typer.echo(f"exported {len(data['articles'])} articles to {path}")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
