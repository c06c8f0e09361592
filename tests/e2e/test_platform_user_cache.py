"""The in-process user cache: no user query for a known sender, and never a stale view of our own writes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from aiogram import F, Router
from aiogram.types import Message
from sqlalchemy import event, select

from bot.middlewares.user_cache import UserCache
from core.catalog import service as catalog
from core.catalog.models import User
from core.tickets import service as tickets
from core.tickets.service import Actor
from tests import factories as f
from tests.e2e.harness import BotHarness, forbidden

UID = 7301


def whoami_router() -> Router:
    r = Router(name="test-whoami")

    @r.message(F.text == "whoami")
    async def whoami(message: Message, user: User, locale: str) -> None:
        await message.answer(f"{user.full_name}|{locale}|{user.unreachable}")

    return r


@contextmanager
def user_queries(harness: BotHarness) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "FROM users" in statement:
            seen.append(statement)

    engine = harness.root.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


async def test_a_known_sender_costs_no_user_query_until_the_entry_expires(harness: BotHarness) -> None:
    harness.add_router(whoami_router())
    cache: UserCache = harness.root.user_cache
    cache.clock = harness.clock
    await catalog.upsert_user(uow=harness.root.uow(), tg_id=UID, full_name="Петров Пётр Петрович", login="p.petrov",
                              region="МРФ Волга")
    await harness.send_text(UID, "whoami")  # the first contact syncs the Telegram fields (a write: a drop)
    await harness.send_text(UID, "whoami")
    with user_queries(harness) as seen:
        await harness.send_text(UID, "whoami")
        await harness.send_text(UID, "whoami")
    assert seen == [] and harness.last_text(UID) == "Петров Пётр Петрович|ru|False"
    harness.clock.advance(cache.ttl)
    with user_queries(harness) as seen:
        await harness.send_text(UID, "whoami")
    assert len(seen) == 1  # expired: read again


async def test_a_profile_change_in_this_process_shows_on_the_next_update(harness: BotHarness) -> None:
    harness.add_router(whoami_router())
    await harness.send_text(UID, "whoami")
    await catalog.upsert_user(uow=harness.root.uow(), tg_id=UID, full_name="Петров Пётр Петрович", locale="en")
    await harness.send_text(UID, "whoami")
    assert harness.last_text(UID) == "Петров Пётр Петрович|en|False"


async def test_a_cached_user_blocked_by_delivery_is_reachable_again_when_writing(harness: BotHarness) -> None:
    harness.add_router(whoami_router())
    requester = await f.user(harness.root, tg_id=UID, login="u7301")
    await harness.send_text(UID, "whoami")  # cached as reachable
    staff = await f.staff(harness.root, tg_id=UID + 100_000)
    t = await f.incident(harness.root, requester)
    await tickets.apply_action(uow=harness.root.uow(), ticket_id=t.id, action="take", actor=Actor("staff", staff.id),
                               params={})
    harness.session.fail_next("sendMessage", forbidden())
    assert (await harness.deliver()).blocked == 1  # a bulk UPDATE of users: the cache is dropped
    await harness.send_text(UID, "whoami")
    async with harness.root.session_factory() as s:
        assert await s.scalar(select(User.unreachable).where(User.tg_id == UID)) is False


async def test_a_user_still_onboarding_is_read_fresh_so_another_instances_saved_profile_counts(
        harness: BotHarness) -> None:
    # the regression bench/scale.py found: web A saved the profile, web B served «📝 Сообщить о проблеме» from its
    # cached incomplete user (the bus's drop not there yet) and asked the full name again
    harness.add_router(whoami_router())
    await harness.send_text(UID, "whoami")  # a new sender: no complete profile yet
    with user_queries(harness) as seen:
        await harness.send_text(UID, "whoami")
    assert len(seen) == 1  # not served from the cache
    async with harness.root.session_factory() as s:  # «another process» commits the profile, no drop here
        row = await s.scalar(select(User).where(User.tg_id == UID))
        assert row is not None
        row.full_name, row.login, row.region, row.profile_complete = "Иванов Иван", "i.ivanov", "Москва", True
        await s.commit()
    harness.root.user_cache.forget()  # what this process's own session hook did; the fresh row is what counts
    await harness.send_text(UID, "whoami")
    assert harness.last_text(UID).startswith("Иванов Иван|")


def test_cache_expiry_size_and_generation() -> None:
    now = [0.0]
    cache = UserCache(ttl=10, size=2, clock=lambda: now[0])
    a, b, c = (User(id=i, tg_id=100 + i, full_name=str(i), unreachable=False, profile_complete=True)
               for i in range(3))
    cache.put(a, generation=cache.generation)
    cache.put(b, generation=cache.generation)
    assert cache.get(100) is a  # a is now the most recent, so c pushes b out
    cache.put(c, generation=cache.generation)
    assert cache.get(101) is None and cache.get(102) is c and len(cache) == 2
    stale = cache.generation
    cache.forget(100)
    cache.put(a, generation=stale)  # loaded before the drop: not kept
    assert cache.get(100) is None
    now[0] = 10.0
    assert cache.get(102) is None  # expired
    cache.put(User(id=9, tg_id=109, unreachable=True, profile_complete=True), generation=cache.generation)
    assert cache.get(109) is None  # an unreachable user is read fresh, so the next message can reset it
    cache.put(User(id=8, tg_id=108, unreachable=False, profile_complete=False), generation=cache.generation)
    assert cache.get(108) is None  # still onboarding: read fresh
