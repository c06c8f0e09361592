"""A short-lived in-process cache of the core User by Telegram id: no user query on most updates.

Every in-process change of a user drops its entry: ORM flushes of a User (profile, language, organisation,
the admin API when it runs in the bot's process) and bulk UPDATE/DELETE statements on users (the delivery
worker marking a user unreachable) are seen through session events, so this process never serves its own
stale write. A change committed by ANOTHER process (an admin API run separately, another web instance) drops
the entry there too within milliseconds with REDIS_URL (core/cachebus.py), else after at most `ttl`
seconds (a user whose profile is not complete yet is never cached: onboarding decides on the fresh row); the
TTL is acceptable because the cached user only feeds the dialogs (names, locale, whether the
profile is complete): the ticket use cases read the requester and the organisation's contract from the
database themselves, so a stale entry can make the dialog ask one question too many, never register a
ticket against the wrong data.
"""

from __future__ import annotations

import time
import weakref
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

from core import cachebus
from core.catalog.models import User

_CACHES: weakref.WeakSet[UserCache] = weakref.WeakSet()


class UserCache:
    """tg id -> (User, loaded at); LRU-bounded. `generation` lets a loader tell a drop happened meanwhile."""

    def __init__(self, *, ttl: float = 30.0, size: int = 10_000, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl, self.size, self.clock = ttl, size, clock
        self.generation = 0
        self._by_tg: OrderedDict[int, tuple[User, float]] = OrderedDict()
        _CACHES.add(self)

    def get(self, tg_id: int) -> User | None:
        hit = self._by_tg.get(tg_id)
        if hit is None:
            return None
        if self.clock() - hit[1] >= self.ttl:
            del self._by_tg[tg_id]
            return None
        self._by_tg.move_to_end(tg_id)
        return hit[0]

    def put(self, user: User, *, generation: int) -> None:
        """Keeps `user` unless something was dropped since `generation` was read (it may be older than that)."""
        if generation != self.generation or user.tg_id is None or user.unreachable:
            return  # an unreachable user is reset on their next message, which needs the fresh row
        if not user.profile_complete:
            # in the middle of onboarding, each step decides on the fresh row: with several web instances the next
            # update of the chat may be handled by another one before the bus's drop of the profile just saved
            # there arrives, and a cached incomplete profile would ask the full name again (bench/scale.py saw it)
            return
        self._by_tg[user.tg_id] = (user, self.clock())
        self._by_tg.move_to_end(user.tg_id)
        while len(self._by_tg) > self.size:
            self._by_tg.popitem(last=False)

    def forget(self, tg_id: int | None = None) -> None:
        """Drops one user (None: everybody)."""
        self.generation += 1
        if tg_id is None:
            self._by_tg.clear()
        else:
            self._by_tg.pop(tg_id, None)

    def __len__(self) -> int:
        return len(self._by_tg)


def _forget(tg_id: int | None) -> None:
    for cache in list(_CACHES):
        cache.forget(tg_id)


cachebus.register("user", lambda key: _forget(int(key) if key is not None else None))


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _ctx: Any) -> None:
    # a new row cannot be cached anywhere yet (a miss is never cached), so only changes and deletions count
    changed = [o for o in (*session.dirty, *session.deleted) if isinstance(o, User)]
    for user in changed:
        _forget(user.tg_id)
    if changed:  # dropped again at commit: a load between this flush and the commit saw the old row
        session.info.setdefault("user_cache_drop", set()).update(u.tg_id for u in changed)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    for tg_id in session.info.pop("user_cache_drop", ()):
        _forget(tg_id)
        cachebus.changed("user", str(tg_id))
    if session.info.pop("user_cache_drop_all", False):
        cachebus.changed("user")


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, _previous: Any) -> None:
    session.info.pop("user_cache_drop", None)
    session.info.pop("user_cache_drop_all", None)


@event.listens_for(Session, "do_orm_execute")
def _bulk_statement(state: ORMExecuteState) -> None:
    if (state.is_update or state.is_delete) and state.bind_mapper is not None and state.bind_mapper.class_ is User:
        _forget(None)  # which rows a WHERE clause hits is unknown here: drop everything (rare statements)
        state.session.info["user_cache_drop_all"] = True  # and the other processes too, once committed
