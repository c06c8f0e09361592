"""Issue 10, people and chats: invitation links, binding a group (and refusals), the bot removed, a migration."""

from __future__ import annotations

from sqlalchemy import select

from bot.callbacks import BindCb
from core.catalog.models import Staff, User
from core.outbox.models import Delivery
from core.staffdesk import chats, invitations
from core.staffdesk.models import LineChat
from tests import factories as f
from tests.e2e.harness import BotHarness
from tests.e2e.staffchat import admin_member, my_member_update, plain_member, program_chat

GROUP = -100_777
LINE1_CHAT = -100_111
COORD = 5001


async def _invite(h: BotHarness, **kw: object) -> str:
    inv = await invitations.create(uow=h.root.uow(), hours=24, **kw)  # type: ignore[arg-type]
    return inv.code


async def test_invitation_link_links_the_telegram_account(harness: BotHarness) -> None:
    code = await _invite(harness, line_code="line2", is_coordinator=True, full_name="Петров Пётр")
    await harness.send_text(8100, f"/start {code}")
    assert "связан с записью сотрудника — координатор группы «2ЛТП (эксплуатация)»" in harness.last_text(8100)
    async with harness.root.session_factory() as s:
        staff = (await s.scalars(select(Staff).join(Staff.user).where(User.tg_id == 8100))).one()
        assert staff.line_code == "line2" and staff.is_coordinator
    # one use: the same link opened again (by anyone) is refused politely, nothing changes
    await harness.send_text(8200, f"/start {code}")
    assert "уже использовано" in harness.last_text(8200)
    async with harness.root.session_factory() as s:
        assert (await s.scalars(select(Staff).join(Staff.user).where(User.tg_id == 8200))).first() is None


async def test_invitation_for_an_existing_staff_record_and_an_expired_one(harness: BotHarness) -> None:
    made = await f.staff(harness.root, line="line1", tg_id=None)  # type: ignore[arg-type]
    code = await _invite(harness, staff_id=made.id)
    await harness.send_text(8300, f"/start {code}")
    assert "сотрудник группы «1ЛТП (Service Desk)»" in harness.last_text(8300)
    async with harness.root.session_factory() as s:
        staff = await s.get(Staff, made.id)
        assert staff is not None and staff.user.tg_id == 8300
        assert staff.user.full_name == "Сотрудник None"  # the administrator's record of the name is kept
    old = await invitations.create(uow=harness.root.uow(), line_code="line2", hours=-1)
    await harness.send_text(8400, f"/start {old.code}")
    assert "Срок этого приглашения истёк" in harness.last_text(8400)
    await harness.send_text(8401, "/start inv_nosuchcode")
    assert "Приглашение не найдено" in harness.last_text(8401)


async def _bind(h: BotHarness, *, uid: int = COORD, chat: int = GROUP, service: str = "nttm",
                group: str = "line2") -> None:
    await h.send_text(uid, "/bind", chat_type="supergroup", chat_id=chat)
    await h.press(uid, BindCb(s=service), chat_type="supergroup", chat_id=chat,
                  message_id=h.last_call(chat, with_inline=True).result.message_id)
    await h.press(uid, BindCb(s=service, g=group), chat_type="supergroup", chat_id=chat,
                  message_id=h.last_call(chat, with_inline=True).result.message_id)


async def test_binding_a_chat_by_the_coordinator(harness: BotHarness) -> None:
    await f.staff(harness.root, line="line2", tg_id=COORD, coordinator=True)
    program_chat(harness.session, GROUP, member=admin_member())
    await _bind(harness)
    assert "Чат привязан к группе «line2» (nttm)" in harness.last_text(GROUP)
    rows = await chats.list_chats(uow=harness.root.uow())
    assert [(r.chat_id, r.group_code, r.service_code, r.status) for r in rows] == [(GROUP, "line2", "nttm", "active")]


async def test_binding_refused_when_the_bot_lacks_rights(harness: BotHarness) -> None:
    await f.staff(harness.root, line="line2", tg_id=COORD, coordinator=True)
    program_chat(harness.session, GROUP, member=plain_member())
    await _bind(harness)
    assert "не хватает прав бота" in harness.last_text(GROUP)
    assert "бот не администратор группы" in harness.last_text(GROUP)
    program_chat(harness.session, GROUP, member=admin_member(can_manage_topics=False), forum=True)
    await _bind(harness)
    assert "нет права «Управление темами»" in harness.last_text(GROUP)
    assert await chats.list_chats(uow=harness.root.uow()) == []


async def test_bind_by_someone_who_is_no_coordinator_is_refused(harness: BotHarness) -> None:
    await f.staff(harness.root, line="line2", tg_id=COORD)
    await harness.send_text(COORD, "/bind", chat_type="supergroup", chat_id=GROUP)
    assert "может координатор группы или сервис-менеджер" in harness.last_text(GROUP)
    await harness.press(COORD, BindCb(s="nttm", g="line2"), chat_type="supergroup", chat_id=GROUP)
    assert await chats.list_chats(uow=harness.root.uow()) == []


async def test_bot_removed_marks_the_binding_broken_tells_line1_and_keeps_messages(harness: BotHarness) -> None:
    await f.staff(harness.root, line="line2", tg_id=COORD, coordinator=True)
    await chats.bind(uow=harness.root.uow(), chat_id=LINE1_CHAT, group_code="line1", service_code=None)
    await chats.bind(uow=harness.root.uow(), chat_id=GROUP, group_code="line2", service_code="nttm")
    await harness.deliver()
    await harness.feed(my_member_update(harness.updates, GROUP, new="kicked"))
    (row,) = [r for r in await chats.list_chats(uow=harness.root.uow()) if r.chat_id == GROUP]
    assert row.status == "broken" and "бот не состоит в этой группе" in (row.reason or "")
    await harness.deliver()
    told = harness.texts(LINE1_CHAT)
    assert told and "не получает сообщения бота" in told[-1] and "2ЛТП" in told[-1]
    # a notice meant for the broken chat waits (a pending delivery), then goes out once the bot is back
    from bot.staffchat.planner import group_target

    async with harness.root.session_factory() as s:
        (target,) = await group_target(s, group_code="line2", service_code="nttm", text="x")
        assert target.held is not None
    await harness.feed(my_member_update(harness.updates, GROUP, new="administrator"))
    (row,) = [r for r in await chats.list_chats(uow=harness.root.uow()) if r.chat_id == GROUP]
    assert row.status == "active" and row.reason is None


async def test_group_migrated_to_a_supergroup_keeps_its_binding(harness: BotHarness) -> None:
    old, new = -4_001, -1_004_001
    await chats.bind(uow=harness.root.uow(), chat_id=old, group_code="line2", service_code=None)
    harness.session.chat_types[old] = "group"
    await harness.feed(harness.updates.message(COORD, None, chat_type="group", chat_id=old, migrate_to_chat_id=new))
    async with harness.root.session_factory() as s:
        assert list((await s.scalars(select(LineChat.chat_id))).all()) == [new]
        assert await chats.chat_for(s, group_code="line2", service_code="nttm") == new


async def test_messages_for_a_broken_chat_are_kept_and_sent_when_it_is_bound_again(harness: BotHarness) -> None:
    from bot.staffchat.planner import group_target

    async def plan_test(session, ev, ctx):  # type: ignore[no-untyped-def]
        if ev.topic != "test.to_line2":
            return []
        return await group_target(session, group_code="line2", service_code="nttm", text="Напоминание группе")

    harness.root.delivery_planners.append(plan_test)
    await chats.bind(uow=harness.root.uow(), chat_id=GROUP, group_code="line2", service_code=None)
    await chats.mark_broken(uow=harness.root.uow(), chat_id=GROUP, reason="бот не состоит в этой группе")
    uow = harness.root.uow()
    async with uow:
        uow.add_event("test.to_line2", {})
        await uow.commit()
    await harness.deliver()
    assert harness.texts(GROUP) == []
    async with harness.root.session_factory() as s:
        rows = (await s.scalars(select(Delivery).where(Delivery.chat_id == GROUP))).all()
        assert [(r.status, (r.error or "")[:6]) for r in rows] == [("retry", "held: ")]
    program_chat(harness.session, GROUP, member=admin_member())
    await harness.feed(my_member_update(harness.updates, GROUP, new="administrator"))
    await harness.deliver()
    assert harness.texts(GROUP) == ["Напоминание группе"]
    await harness.deliver()
    assert harness.texts(GROUP) == ["Напоминание группе"]  # once


async def test_a_kicked_bot_keeps_a_group_message_instead_of_dropping_it(harness: BotHarness) -> None:
    from tests.e2e.harness import forbidden

    await chats.bind(uow=harness.root.uow(), chat_id=GROUP, group_code="line2", service_code=None)
    await harness.deliver()
    uow = harness.root.uow()
    async with uow:
        uow.add_event("line_chat.broken", {"chat_id": -1, "group_code": "line2", "reason": "x"})
        await uow.commit()
    from bot.staffchat.planner import group_target

    async def plan_test(session, ev, ctx):  # type: ignore[no-untyped-def]
        return await group_target(session, group_code="line2", service_code="nttm", text="Карточка") \
            if ev.topic == "test.to_line2" else []

    harness.root.delivery_planners.append(plan_test)
    async with uow:
        uow.add_event("test.to_line2", {})
        await uow.commit()
    harness.session.fail_next("sendMessage", forbidden("Forbidden: bot was kicked from the supergroup chat"))
    await harness.deliver()
    async with harness.root.session_factory() as s:
        (row,) = (await s.scalars(select(Delivery).where(Delivery.chat_id == GROUP))).all()
        assert row.status == "retry" and (row.error or "").startswith("held: ")
    await chats.bind(uow=harness.root.uow(), chat_id=GROUP, group_code="line2", service_code=None)
    await harness.deliver()
    assert harness.texts(GROUP)[-1] == "Карточка"
