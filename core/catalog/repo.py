"""Catalog queries shared by use cases."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.catalog.models import Service, Staff, User


async def service_by_code(session: AsyncSession, code: str) -> Service | None:
    """A service by its code."""
    return await session.scalar(select(Service).where(Service.code == code))


async def user_with_org(session: AsyncSession, user_id: int) -> User | None:
    """A user with the organisation and its support periods loaded."""
    return await session.get(User, user_id)


async def user_by_tg(session: AsyncSession, tg_id: int) -> User | None:
    """A user by Telegram id."""
    return await session.scalar(select(User).where(User.tg_id == tg_id))


async def staff_of_user(session: AsyncSession, user_id: int) -> list[Staff]:
    """Every line membership of a user."""
    return list((await session.scalars(select(Staff).where(Staff.user_id == user_id, Staff.active.is_(True)))).all())
