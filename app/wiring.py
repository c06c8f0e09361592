"""Wires the domain parts (SLA, knowledge base, delivery, tickets), the admin API and the bot into the root.

Each part keeps its wiring in its own module with a `wire(root)` function, so the parts stay independent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aiogram.client.session.base import BaseSession

    from app.root import Root
    from bot.delivery.shared import SharedLimits


def wire_domain(root: Root) -> None:
    """Registers startup hooks and periodic jobs of the domain parts."""
    from app import (
        wiring_alarms,
        wiring_broadcasts,
        wiring_cachebus,
        wiring_cmds,
        wiring_delivery,
        wiring_kb,
        wiring_mail,
        wiring_outages,
        wiring_planned,
        wiring_sla,
        wiring_staff,
        wiring_tickets,
    )

    wiring_sla.wire(root)
    wiring_kb.wire(root)
    wiring_delivery.wire(root)
    wiring_tickets.wire(root)
    wiring_cmds.wire(root)  # its group routers go ahead of the cards' routers
    wiring_staff.wire(root)
    wiring_alarms.wire(root)
    wiring_broadcasts.wire(root)
    wiring_outages.wire(root)
    wiring_planned.wire(root)
    wiring_mail.wire(root)
    wiring_cachebus.wire(root)


def wire_api(root: Root) -> None:
    """Builds the admin API with the services its routes use."""
    from admin_api.app import create_app
    from admin_api.deps import ApiServices

    root.api = create_app(ApiServices(settings=root.settings, uow=root.uow, tz=root.tz, kb=root.kb,
                                      telegram=root.telegram))


def wire_bot(root: Root, *, bot_session: BaseSession | None = None) -> None:
    """Builds the Bot and the Dispatcher (handlers get the root's services as workflow data) and the delivery."""
    from bot import dispatcher
    from bot.delivery import DeliveryContext, RateLimiter

    rate, burst = root.settings.send_rate, max(1, int(root.settings.send_rate / 5))
    shared = _shared_limits(root)
    # dialog replies keep to the shared rate only when other processes send too (REDIS_URL); no per-chat gap
    replies = RateLimiter(rate=rate, burst=burst, per_chat=0.0, per_group=0.0, shared=shared) if shared else None
    parts = dispatcher.build(settings=root.settings, session_factory=root.session_factory, uow=root.uow, tz=root.tz,
                             kb=root.kb, outages=root.outages_provider, routers=root.routers,
                             private_routers=root.private_routers, bot_session=bot_session, mailer=root.mailer,
                             reply_limiter=replies)
    root.bot, root.dp, root.user_router = parts.bot, parts.dp, parts.user_router
    root.i18n, root.throttle, root.user_cache = parts.i18n, parts.throttle, parts.user_cache
    # the planners list is the root's own: a part registering later is still seen by the worker
    root.delivery = DeliveryContext(bot=parts.bot, session_factory=root.session_factory, settings=root.settings,
                                    i18n=parts.i18n, planners=root.delivery_planners,
                                    # one limiter for ticket notices and broadcasts: never above SEND_RATE in any
                                    # second (with REDIS_URL: all processes together)
                                    limiter=RateLimiter(rate=rate, burst=burst, window=True, shared=shared))


def _shared_limits(root: Root) -> SharedLimits | None:
    """The Telegram limits every process of this bot shares in Redis (REDIS_URL), closed at shutdown."""
    url = root.settings.redis_url
    if not url:
        return None
    from bot.delivery.shared import RedisLimits

    token = root.settings.bot_token.get_secret_value() if root.settings.bot_token else "42:TEST"
    bot_id = token.split(":", 1)[0]  # two bots on one Redis have two budgets; the secret half stays out of keys
    rate = root.settings.send_rate
    shared = RedisLimits.from_url(url, prefix=f"support-bot:tg:{bot_id}:", rate=rate, burst=max(1, int(rate / 5)))
    root.closers.append(shared.close)
    return shared
