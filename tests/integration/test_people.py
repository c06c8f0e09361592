"""One person per login and per e-mail (case-insensitive), enforced by the database, created race-free."""

from __future__ import annotations

import asyncio

import pytest
from alembic import command
from sqlalchemy import func, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from app.root import Root
from core import migrate
from core.catalog import people
from core.catalog import service as catalog
from core.catalog.models import Service, User
from core.errors import IdentityTaken
from core.tickets import service as tickets
from core.tickets.models import Ticket
from tests import factories as f

LOGINS, PARALLEL = 30, 10


async def _register(root: Root, login: str, n: int) -> Ticket:
    # the case differs between the parallel calls: one person whatever the case
    requester = {"full_name": f"Человек {login}", "login": login.upper() if n % 2 else login,
                 "email": f"{login}@Example.ru" if n % 3 else f"{login}@example.ru", "region": "МРФ Центр"}
    return await tickets.register_on_behalf(uow=root.uow(), service_code="nttm", request_type="incident", priority=3,
                                            requester=requester, fields=dict(f.INCIDENT_FIELDS))


async def test_parallel_registrations_for_one_new_login_create_one_person(root: Root) -> None:
    for i in range(LOGINS):
        login = f"new.user{i}"
        made = await asyncio.gather(*(_register(root, login, n) for n in range(PARALLEL)))
        assert len({t.requester_id for t in made}) == 1, login
    async with root.session_factory() as s:
        people = (await s.execute(select(func.lower(User.login), func.count()).group_by(func.lower(User.login)))).all()
        assert len(people) == LOGINS and {n for _, n in people} == {1}
        assert await s.scalar(select(func.count()).select_from(Ticket)) == LOGINS * PARALLEL


async def test_database_refuses_a_second_person_with_one_login_or_email_whatever_the_case(root: Root) -> None:
    async with root.session_factory() as s:
        await s.execute(insert(User).values(full_name="А", login="A.Petrov", email="a@example.ru"))
        await s.commit()
    for values in ({"login": "a.petrov"}, {"email": "A@EXAMPLE.RU"}):
        async with root.session_factory() as s:
            with pytest.raises(IntegrityError):
                await s.execute(insert(User).values(full_name="Б", **values))


async def test_telegram_user_cannot_take_the_login_of_another_person(root: Root) -> None:
    await f.user(root, tg_id=4101, login="o.owner")
    with pytest.raises(IdentityTaken) as err:
        await catalog.upsert_user(uow=root.uow(), tg_id=4102, full_name="Другой", login="O.Owner",
                                  email="other@example.ru", region="МРФ Центр")
    assert set(err.value.fields) == {"login"}
    me = await f.user(root, tg_id=4103, login="me.me")
    with pytest.raises(IdentityTaken):
        await catalog.upsert_user(uow=root.uow(), tg_id=me.tg_id, email="O.OWNER@example.ru")


async def _person(root: Root, tg_id: int) -> tuple[str, str | None, str | None, str | None, bool] | None:
    async with root.session_factory() as s:
        u = await s.scalar(select(User).where(User.tg_id == tg_id))
        return None if u is None else (u.full_name, u.login, u.email, u.region, u.profile_complete)


async def test_a_taken_login_or_email_is_identity_taken_naming_the_field_and_saves_nothing(root: Root) -> None:
    await f.user(root, tg_id=4111, login="o.owner", email="o.owner@example.ru")
    await catalog.upsert_user(uow=root.uow(), tg_id=4112)  # as the bot's first message makes a Telegram user
    before = await _person(root, 4112)
    for given, field in (({"login": "O.OWNER"}, "login"), ({"email": "O.Owner@Example.RU"}, "email")):
        with pytest.raises(IdentityTaken) as err:
            await catalog.upsert_user(uow=root.uow(), tg_id=4112, full_name="Другой Человек", region="МРФ Урал",
                                      **given)
        assert (err.value.field, set(err.value.fields)) == (field, {field})
        assert await _person(root, 4112) == before  # the name and the region were rolled back with it
    # and a person never seen before (no Telegram row yet) meets the same error
    with pytest.raises(IdentityTaken) as err:
        await catalog.upsert_user(uow=root.uow(), tg_id=4113, full_name="Третий", login="o.Owner", region="МРФ Урал")
    assert err.value.field == "login" and await _person(root, 4113) is None


async def test_a_login_taken_by_a_concurrent_registration_is_identity_taken_not_an_integrity_error(
        root: Root, monkeypatch: pytest.MonkeyPatch) -> None:
    await f.user(root, tg_id=4121, login="race.login", email="race@example.ru")
    await catalog.upsert_user(uow=root.uow(), tg_id=4122)

    async def nobody(*_: object) -> None:  # the other transaction commits after this one looked
        return None

    monkeypatch.setattr(people, "by_login", nobody)
    monkeypatch.setattr(people, "by_email", nobody)
    for given, field in (({"login": "RACE.login"}, "login"), ({"email": "Race@Example.ru"}, "email")):
        with pytest.raises(IdentityTaken) as err:
            await catalog.upsert_user(uow=root.uow(), tg_id=4122, full_name="Гонщик", region="МРФ Урал", **given)
        assert err.value.field == field and isinstance(err.value.__cause__, IntegrityError)
    assert await _person(root, 4122) == ("", None, None, None, False)


async def test_person_first_known_by_login_is_found_from_telegram(root: Root) -> None:
    t = await _register(root, "phone.first", 0)
    user = await catalog.upsert_user(uow=root.uow(), tg_id=4201, login="Phone.First", full_name="Звонивший",
                                     region="МРФ Центр")
    assert user.id == t.requester_id and user.tg_id == 4201


async def test_migration_merges_duplicate_people(root: Root) -> None:
    cfg = migrate.alembic_config()

    def _to(conn: Connection, rev: str, up: bool) -> None:
        cfg.attributes["connection"] = conn
        (command.upgrade if up else command.downgrade)(cfg, rev)

    async with root.engine.begin() as conn:
        await conn.run_sync(_to, "0003", False)  # just before the people migration
    try:
        async with root.session_factory() as s:
            ids = [(await s.execute(insert(User).values(full_name=f"Дубль {n}", login=login, tg_id=tg)
                                    .returning(User.id))).scalar_one()
                   for n, (login, tg) in enumerate([("dup", None), ("DUP", 4301), ("dup", None), ("", None),
                                                    ("", None)])]
            # plain rows: the ticket use cases write tables of later revisions (the card of a ticket)
            service_id = (await s.execute(select(Service.id).where(Service.code == "nttm"))).scalar_one()
            tickets_by = [(await s.execute(insert(Ticket).values(
                type="incident", service_id=service_id, priority=3, status="assigned", line="line2",
                requester_id=pid).returning(Ticket.id))).scalar_one() for pid in ids[:3]]
            await s.commit()
    finally:
        async with root.engine.begin() as conn:
            await conn.run_sync(_to, "head", True)
    async with root.session_factory() as s:
        left = (await s.execute(select(User.id, User.login, User.tg_id).order_by(User.id))).all()
        assert [(u.login, u.tg_id) for u in left] == [("DUP", 4301), (None, None), (None, None)]
        owners = set((await s.scalars(select(Ticket.requester_id).where(
            Ticket.id.in_(tickets_by)))).all())
        assert owners == {ids[1]}
