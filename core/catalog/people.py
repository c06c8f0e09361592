"""People: one person per Telegram id, per login and per e-mail (case-insensitive), enforced by the database.

Finding and creating a person is race-free on both databases: the INSERT says ON CONFLICT DO NOTHING, so of
two transactions creating one login at once the second waits for the first and then finds its row.

A login, e-mail or Telegram account another person holds is refused with `IdentityTaken` naming the field: looked
up (case-insensitively, as the indexes compare) before anything is flushed, and, when a concurrent transaction
takes it meanwhile, read from the unique index the database names.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.catalog.models import User
from core.errors import Conflict, IdentityTaken
from core.text import search_key
from core.uow import UnitOfWork

IDENTITY = ("tg_id", "full_name", "login", "email")
TAKEN = {
    "login": "Логин: уже указан в профиле другого человека — проверьте его или обратитесь в поддержку",
    "email": "E-mail: уже указан в профиле другого человека — проверьте его или обратитесь в поддержку",
    "tg_id": "Telegram: этот аккаунт уже привязан к другому человеку",
}
# the unique indexes and constraints of `users` as PostgreSQL and SQLite name them in their errors
_UNIQUE = (("uq_users_lower_login", "login"), ("uq_users_lower_email", "email"), ("uq_users_tg_id", "tg_id"),
           ("users.tg_id", "tg_id"))


def taken(*fields: str) -> IdentityTaken:
    """The error for login / e-mail / Telegram account held by another person."""
    return IdentityTaken({f: TAKEN[f] for f in fields})


def taken_meanwhile(exc: IntegrityError, **written: object) -> IdentityTaken | Conflict:
    """What a concurrent transaction took between the look-up and the flush, from the index the database names;
    a database that names none: the keys this write set."""
    text = str(exc.orig)
    fields = [f for name, f in _UNIQUE if name in text] or [f for f, v in written.items() if v]
    if not fields:
        return Conflict("Telegram account, login or e-mail belongs to another person")
    return taken(*dict.fromkeys(fields))


def clean_key(value: str | None) -> str | None:
    """A login or e-mail without surrounding blanks; an empty one is no key at all."""
    value = (value or "").strip()
    return value or None


async def by_login(session: AsyncSession, login: str) -> User | None:
    """The person with this login, whatever its case."""
    return await session.scalar(select(User).where(func.lower(User.login) == login.lower()))


async def by_email(session: AsyncSession, email: str) -> User | None:
    """The person with this e-mail, whatever its case."""
    return await session.scalar(select(User).where(func.lower(User.email) == email.lower()))


async def _find(session: AsyncSession, *, tg_id: int | None, login: str | None, email: str | None) -> User | None:
    if tg_id is not None:
        user = await session.scalar(select(User).where(User.tg_id == tg_id))
        if user is not None:
            return user
    for key, lookup in ((login, by_login), (email, by_email)):
        found = await lookup(session, key) if key else None
        # a login held by another Telegram account is not this person's: the write below refuses it
        if found is not None and (tg_id is None or found.tg_id in (None, tg_id)):
            return found
    return None


def _insert(dialect: str) -> Any:
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


async def _create(uow: UnitOfWork, *, tg_id: int | None, login: str | None, email: str | None) -> User:
    session = uow.session
    stmt = (_insert(session.get_bind().dialect.name)(User)
            .values(tg_id=tg_id, login=login, email=email, full_name="", search_text=search_key(login, email))
            # the columns' defaults fill the rest
            .on_conflict_do_nothing().returning(User.id))
    new_id = await session.scalar(stmt)
    user = await session.get(User, new_id) if new_id is not None else await _find(
        session, tg_id=tg_id, login=login, email=email)
    if user is None:
        # the row in the way belongs to someone else (another Telegram account with this login or e-mail)
        raise taken("login" if login and await by_login(session, login) else "email")
    return user


async def _check_free(session: AsyncSession, user: User, *, login: str | None, email: str | None) -> None:
    problems = []
    for field, key, lookup in (("login", login, by_login), ("email", email, by_email)):
        if key and (getattr(user, field) or "").lower() != key.lower():
            other = await lookup(session, key)
            if other is not None and other.id != user.id:
                problems.append(field)
    if problems:
        raise taken(*problems)


async def upsert_in(uow: UnitOfWork, *, tg_id: int | None = None, full_name: str | None = None,
                    login: str | None = None, email: str | None = None, region: str | None = None,
                    organisation_id: int | None = None, locale: str | None = None) -> User:
    """Finds a person by Telegram id, login or e-mail (in that order), creating one if none, and updates it.

    `IdentityTaken` when the login or e-mail is another person's; the caller's transaction is then to be rolled
    back (nothing of this person is half-written)."""
    login, email = clean_key(login), clean_key(email)
    user = await _find(uow.session, tg_id=tg_id, login=login, email=email)
    if user is None:
        user = await _create(uow, tg_id=tg_id, login=login, email=email)
    await _check_free(uow.session, user, login=login, email=email)
    if tg_id is not None and user.tg_id is None:
        user.tg_id = tg_id  # a person first known by login (a call to line 1) now writes from Telegram
    for key, value in {"full_name": full_name, "login": login, "email": email, "region": region,
                       "organisation_id": organisation_id, "locale": locale}.items():
        if value is not None:
            setattr(user, key, value)
    user.profile_complete = bool(user.full_name and (user.login or user.email) and user.region)
    await flush(uow, login=login, email=email)
    if organisation_id is not None:
        # the relationship was loaded with the row (selectin): without this it still names the previous one
        await uow.session.refresh(user, ["organisation"])
    return user


async def flush(uow: UnitOfWork, **written: object) -> None:
    """Flushes a person's row; a login, e-mail or Telegram account taken meanwhile is `IdentityTaken`."""
    try:
        await uow.session.flush()
    except IntegrityError as exc:
        raise taken_meanwhile(exc, **written) from exc


async def set_identity(uow: UnitOfWork, user: User, changes: dict[str, Any]) -> None:
    """Changes a known person's Telegram id, login, e-mail or name; a 409 when another person holds one of them."""
    session = uow.session
    if "tg_id" in changes and changes["tg_id"] is not None and changes["tg_id"] != user.tg_id:
        other = await session.scalar(select(User).where(User.tg_id == changes["tg_id"]))
        if other is not None:
            raise IdentityTaken({"tg_id": TAKEN["tg_id"]},
                                f"Telegram account {changes['tg_id']} belongs to another person")
    for field, lookup in (("login", by_login), ("email", by_email)):
        key = clean_key(changes.get(field)) if field in changes else None
        if key and (getattr(user, field) or "").lower() != key.lower():
            other = await lookup(session, key)
            if other is not None and other.id != user.id:
                raise IdentityTaken({field: TAKEN[field]}, f"{field} '{key}' belongs to another person")
    for field in ("tg_id", "full_name", "login", "email"):
        if field in changes:
            value = changes[field]
            setattr(user, field, clean_key(value) if field in ("login", "email") else value)
    try:
        await session.flush()
    except IntegrityError as exc:  # taken meanwhile by a concurrent transaction
        raise taken_meanwhile(exc) from exc


async def for_call_in(uow: UnitOfWork, *, full_name: str | None, login: str | None, email: str | None,
                      region: str | None, organisation_id: int | None) -> User:
    """The person line 1 registers a call for: found by login or e-mail (with or without a Telegram account), else
    created. A found person's own profile wins: only what it lacks is filled in from the call."""
    login, email = clean_key(login), clean_key(email)
    user = await _find(uow.session, tg_id=None, login=login, email=email)
    if user is None:
        return await upsert_in(uow, full_name=full_name, login=login, email=email, region=region,
                               organisation_id=organisation_id)
    blanks = {k: v for k, v in (("login", login), ("email", email)) if v and not getattr(user, k)}
    await _check_free(uow.session, user, **{"login": None, "email": None, **blanks})
    for key, value in {"full_name": full_name, "region": region, **blanks}.items():
        if value and not getattr(user, key):
            setattr(user, key, value)
    if organisation_id is not None:
        user.organisation_id = organisation_id  # the company the caller named: the contract check runs on it
    user.profile_complete = bool(user.full_name and (user.login or user.email) and user.region)
    await flush(uow, **blanks)
    return user
