"""`support-bot sandbox` (and `make run` without a token): the local Bot API sandbox, then the product against it.

The bot reaches the sandbox through TELEGRAM_API_URL and a generated token, the code path it takes to Telegram;
the sandbox is started first so the bot's first getMe and setMyCommands find it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr

from core.settings import Settings

if TYPE_CHECKING:
    from app.root import Root
    from sandbox.world import World

log = logging.getLogger(__name__)
Serve = Callable[..., Awaitable[None]]


@dataclass(frozen=True)
class SandboxOptions:
    host: str = "127.0.0.1"
    port: int = 8090
    data_dir: Path = Path("data")
    rate_limits: bool = True
    demo: bool = True

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


def product_settings(settings: Settings, opts: SandboxOptions, token: str) -> Settings:
    """The product's settings pointed at the sandbox (a real BOT_TOKEN in .env is never sent there)."""
    return settings.model_copy(update={"bot_token": SecretStr(token), "telegram_api_url": opts.url})


async def run(settings: Settings, opts: SandboxOptions, *, serve: Serve) -> None:
    """Starts the sandbox, then the product (admin API, scheduler, bot) with the demo seeded beside it."""
    import uvicorn

    from sandbox.server import SandboxConfig, create_app, new_token, stored_token

    token = stored_token(opts.data_dir) or new_token()
    app = create_app(SandboxConfig(token=token, data_dir=opts.data_dir, rate_limits=opts.rate_limits))
    world: World = app.state.world
    server = uvicorn.Server(uvicorn.Config(app, host=opts.host, port=opts.port, log_level="warning"))
    sandbox_task = asyncio.create_task(server.serve())
    while not server.started:
        if sandbox_task.done():
            sandbox_task.result()  # the port is taken, say: the error ends the command
            raise RuntimeError(f"the sandbox did not start on {opts.url}")
        await asyncio.sleep(0.05)
    product = product_settings(settings, opts, token)

    def beside(root: Root) -> list[Coroutine[Any, Any, Any]]:
        return [_announce(world, product, opts)]

    try:
        await serve(product, with_bot=True, beside=beside)
    finally:
        server.should_exit = True
        await sandbox_task


async def _announce(world: World, settings: Settings, opts: SandboxOptions) -> None:
    """Seeds the demo through the admin API once it answers, then prints where the web chat is; then idles."""
    from app.sandbox_demo import seed_demo

    if opts.demo:
        try:
            await seed_demo(world, api_base=f"http://{settings.admin_api_host}:{settings.admin_api_port}",
                            admin_token=settings.admin_api_token.get_secret_value())
        except Exception:  # the demo is a convenience: the sandbox and the bot work without it
            log.exception("the demo could not be seeded")
    print(f"\nВеб-чат песочницы / sandbox web chat: {opts.url}\n"
          f"Admin API: http://{settings.admin_api_host}:{settings.admin_api_port}/docs\n", flush=True)
    await asyncio.Event().wait()
