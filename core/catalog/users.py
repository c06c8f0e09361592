"""Line 1 finds people: by ФИО, login or e-mail (casefolded substring, portable: `users.search_text`) and МРФ;
one person with their tickets."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.catalog.models import User
from core.errors import NotFound
from core.text import search_key
from core.tickets.models import Ticket
from core.uow import UnitOfWork


async def search(*, uow: UnitOfWork, q: str | None = None, region: str | None = None, offset: int = 0,
                 limit: int = 20) -> tuple[list[User], int]:
    """People whose ФИО, login or e-mail contain `q` (any case), of one МРФ, by name; with the total count."""
    async with uow:
        stmt = select(User)
        key = search_key(q or "")
        if key:
            stmt = stmt.where(User.search_text.contains(key, autoescape=True))
        if region and region.strip():
            stmt = stmt.where(User.region.in_(await regions_like(uow.session, region)))
        total = await uow.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        rows = (await uow.session.scalars(stmt.order_by(User.full_name, User.id).offset(offset).limit(limit))).all()
        return list(rows), total


async def with_tickets(*, uow: UnitOfWork, user_id: int, limit: int = 100) -> tuple[User, list[Ticket], int]:
    """One person with their latest tickets (newest first) and how many they have."""
    async with uow:
        user = await uow.session.get(User, user_id)
        if user is None:
            raise NotFound(f"user {user_id} not found")
        q = select(Ticket).where(Ticket.requester_id == user_id)
        total = await uow.session.scalar(select(func.count()).select_from(q.subquery())) or 0
        rows = (await uow.session.scalars(q.order_by(Ticket.id.desc()).limit(limit))).all()
        return user, list(rows), total


async def regions_like(session: AsyncSession, text: str) -> list[str]:
    """The МРФ names people have that contain `text` in any case («сибир» → «Сибирь»).

    Matched in Python over the few distinct names: SQLite's lower() folds only Latin letters.
    """
    key = search_key(text)
    names = (await session.scalars(select(User.region).where(User.region.is_not(None)).distinct())).all()
    return [n for n in names if n and key in search_key(n)]
