"""`support-bot`: run the product, only the API, migrations, knowledge-base import/export."""

from __future__ import annotations

import asyncio
import logging
import sys
from typing import Annotated

import typer
from pydantic import ValidationError

from core.settings import Settings

app = typer.Typer(help="Telegram support desk: bot, admin API and SLA scheduler.", no_args_is_help=True)

BOT_OFF = (
    "BOT_TOKEN не задан: бот выключен, работают админ-API и планировщик. "
    "Чтобы включить бота, получите токен у @BotFather и задайте BOT_TOKEN в .env.\n"
    "BOT_TOKEN is not set: the bot is off; the admin API and the scheduler run. "
    "To turn the bot on, get a token from @BotFather and set BOT_TOKEN in .env."
)


def load_settings(**overrides: object) -> Settings:
    """Reads settings or exits with a readable message."""
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        lines = [f"  {'.'.join(str(p) for p in e['loc']).upper()}: {e['msg']}" for e in exc.errors()]
        typer.echo("Configuration error / ошибка настройки:\n" + "\n".join(lines), err=True)
        raise typer.Exit(2) from exc


async def _serve(settings: Settings, *, with_bot: bool) -> None:
    import uvicorn

    from bot.root import build_root

    root = build_root(settings, with_bot=with_bot)
    await root.startup()
    root.start_jobs()
    if with_bot and root.bot is None:
        typer.echo(BOT_OFF, err=True)
    server = uvicorn.Server(uvicorn.Config(root.api, host=settings.admin_api_host, port=settings.admin_api_port,
                                           log_level="info", lifespan="off"))
    tasks = [asyncio.create_task(server.serve())]
    if root.bot is not None and root.dp is not None:
        tasks.append(asyncio.create_task(root.dp.start_polling(root.bot, handle_signals=False, **root.extras.get(
            "polling_kwargs", {}))))
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
def run() -> None:
    """Everything: migrations, admin API, scheduler and (with BOT_TOKEN) the bot."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    asyncio.run(_serve(load_settings(), with_bot=True))


@app.command()
def api(host: Annotated[str | None, typer.Option(help="bind address")] = None,
        port: Annotated[int | None, typer.Option(help="port")] = None) -> None:
    """The admin API and the scheduler only (no bot)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    asyncio.run(_serve(load_settings(admin_api_host=host, admin_api_port=port), with_bot=False))


@app.command()
def migrate() -> None:
    """Applies pending migrations and seeds reference data."""
    from bot.root import build_root

    async def _go() -> None:
        root = build_root(load_settings(), with_bot=False, with_api=False)
        try:
            await root.startup()
        finally:
            await root.shutdown()

    asyncio.run(_go())
    typer.echo("database is up to date / база данных обновлена")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
