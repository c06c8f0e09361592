"""The steps of the guided intake: each `ask_*` shows one step; FSM data holds the whole dialog."""

from __future__ import annotations

import logging
from functools import partial
from html import escape
from typing import Any

from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot import texts
from bot.keyboards import RepCb, inline, main_menu, nav_row, yes_no
from bot.states import ReportSG
from bot.texts import _
from core.catalog.intake import AFFECTED_NAMES, FIELDS, FieldKind, check_value, intake_fields
from core.catalog.models import User
from core.db import utcnow
from core.tickets.priority import needs_impact, propose_priority
from core.tickets.service import PROFILE_KEYS
from handlers import services

log = logging.getLogger(__name__)
DESC_KEYS = ("actual", "description", "question", "statement")
Event = Message | CallbackQuery


async def say(event: Event, text: str, markup: Any = None) -> Message:
    """Answers a message, or (for a button) drops the pressed keyboard and answers below it."""
    if isinstance(event, CallbackQuery):
        await event.answer()
        msg = event.message
        if not isinstance(msg, Message):  # a button under a message too old for Telegram to return
            return await event.bot.send_message(chat_id=event.from_user.id, text=text,  # type: ignore[union-attr]
                                                reply_markup=markup)
        if msg.reply_markup is not None:
            try:
                await msg.edit_reply_markup(reply_markup=None)
            except TelegramBadRequest as exc:  # already edited or deleted: the answer below matters more
                log.info("could not drop the keyboard of message %s: %s", msg.message_id, exc.message)
        return await msg.answer(text, reply_markup=markup)
    return await event.answer(text, reply_markup=markup)


async def ask_service(event: Event, state: FSMContext, root: Any) -> None:
    active = await services.active_services(root)
    await state.set_state(ReportSG.service)
    rows = [[(s.name, RepCb(a="svc", v=s.code))] for s in active]
    rows.append(nav_row(back=False))
    await say(event, _("В какой системе проблема? Выберите сервис:"), inline(rows))


async def ask_type(event: Event, state: FSMContext, root: Any) -> None:
    data = await state.get_data()
    svc = await services.get_service(root, data["svc"])
    types = svc.request_types or ["incident", "access_problem", "access_request", "change", "feature",
                                  "consultation"]
    await state.set_state(ReportSG.rtype)
    rows = [[(texts.type_name(t), RepCb(a="type", v=t))] for t in types]
    rows.append(nav_row())
    await say(event, _("Сервис: <b>{svc}</b>. Что случилось? Выберите вид обращения:").format(
        svc=escape(svc.name)), inline(rows))


async def start_fields(event: Event, state: FSMContext, root: Any, user: User, rtype: str) -> None:
    """Works out which fields to ask: the type's intake minus what the profile already knows."""
    data = await state.get_data()
    svc = await services.get_service(root, data["svc"])
    specs = intake_fields(service_intake=svc.intake, request_type=rtype)
    pre = {s.key: getattr(user, s.key) for s in specs if s.key in PROFILE_KEYS and getattr(user, s.key, None)}
    await state.update_data(rtype=rtype, order=[s.key for s in specs], pre=pre,
                            keys=[s.key for s in specs if s.key not in pre], idx=0, vals={}, files=[], edit=False,
                            imp={}, prio=None)
    await ask_field(event, state, root)


async def ask_field(event: Event, state: FSMContext, root: Any) -> None:
    data = await state.get_data()
    keys, idx = data["keys"], data["idx"]
    if data.get("edit"):
        spec = FIELDS[data["edit_key"]]
    elif idx >= len(keys):
        await ask_impact(event, state, root, first=True)
        return
    else:
        spec = FIELDS[keys[idx]]
    seed = data.get("seed")
    if seed and spec.key in DESC_KEYS and not data.get("edit"):
        try:
            value = check_value(spec, seed, now=utcnow(), tz=root.tz)
        except ValueError:
            value = None
        if value is not None:
            # the user's first message already described the problem and was checked against the KB
            await state.update_data(seed=None, ss_desc_done=True, vals={**data["vals"], spec.key: value},
                                    idx=idx + 1)
            await ask_field(event, state, root)
            return
    await state.set_state(ReportSG.field)
    loc = texts.locale()
    head = _("Шаг {i} из {n}").format(i=idx + 1, n=len(keys)) if not data.get("edit") else _("Исправление")
    text = (f"<i>{escape(head)}</i>\n<b>{escape(spec.label[loc])}</b>"
            + ("" if spec.required or spec.kind is FieldKind.files else " " + _("(необязательно)"))
            + f"\n{escape(spec.hint[loc])}")
    if spec.kind in (FieldKind.text, FieldKind.email, FieldKind.past_datetime):
        # buttons already show the choices; a file needs no example
        text += "\n" + _("Например: {example}").format(example=f"<i>{escape(spec.example[loc])}</i>")
    rows: list[list[tuple[str, Any]]] = []
    if spec.kind is FieldKind.choice:
        rows = [[(texts.affected_name(c), RepCb(a="choice", v=c))] for c in spec.choices]
    elif spec.kind is FieldKind.files:
        have = len(data.get("files", []))
        text += "\n" + _("Подойдут фото и файлы doc, xls, pdf, jpg, png, zip, log и другие; когда всё "
                          "пришлёте — нажмите «Готово».")
        if have:
            text += "\n" + _("Уже приложено файлов: {n}").format(n=have)
        rows = [[(_("✅ Готово"), RepCb(a="done"))]]
    rows.append(nav_row(skip=not spec.required and spec.kind is not FieldKind.files))
    await say(event, text, inline(rows))


async def ask_impact(event: Event, state: FSMContext, root: Any, *, first: bool = False,
                     step: int | None = None) -> None:
    """Impact questions (who is affected, is work blocked, is there a workaround), then the priority."""
    data = await state.get_data()
    if first:
        steps = []
        if needs_impact(data["rtype"]):
            ask_who = data["rtype"] != "change" and "affected_users" not in data["vals"]
            steps = (["affected"] if ask_who else []) + ["blocked", "workaround"]
        await state.update_data(imp_steps=steps, imp_i=0)
        data = await state.get_data()
    i = data["imp_i"] if step is None else step
    steps = data["imp_steps"]
    if i >= len(steps):
        await ask_priority(event, state, root)
        return
    await state.update_data(imp_i=i)
    await state.set_state(ReportSG.impact)
    kind = steps[i]
    if kind == "affected":
        rows = [[(texts.affected_name(c), RepCb(a="imp", v=c))] for c in AFFECTED_NAMES]
        text = _("Сколько пользователей затронуто?")
    elif kind == "blocked":
        rows, text = [yes_no("imp")], _("Работа остановлена — вы не можете выполнить свою задачу?")
    else:
        rows, text = [yes_no("imp")], _("Есть ли обходной путь — можно ли пока сделать то же самое иначе?")
    rows.append(nav_row())
    await say(event, text, inline(rows))


def proposed(data: dict[str, Any]) -> int:
    imp = data.get("imp", {})
    affected = data["vals"].get("affected_users") or imp.get("affected")
    return propose_priority(request_type=data["rtype"], affected=affected, blocked=imp.get("blocked"),
                            workaround=imp.get("workaround"))


async def ask_priority(event: Event, state: FSMContext, root: Any) -> None:
    data = await state.get_data()
    prio = proposed(data)
    await state.update_data(prio_proposed=prio)
    await state.set_state(ReportSG.priority)
    label = partial(texts.priority_label, policy=data.get("svc_policy"))
    rows = [[(_("✅ Согласен: {p}").format(p=label(prio)), RepCb(a="prio", v=str(prio)))]]
    rows += [[(label(p), RepCb(a="prio", v=str(p)))] for p in (1, 2, 3, 4) if p != prio]
    rows.append(nav_row())
    await say(event, _("По вашим ответам предлагаю приоритет <b>{p}</b>. Согласны? Специалисты могут его "
                       "уточнить.").format(p=escape(label(prio))), inline(rows))


def summary_text(data: dict[str, Any], root: Any) -> str:
    values = {**data.get("pre", {}), **data["vals"]}
    if data.get("files"):
        values["attachments"] = ", ".join(f["name"] for f in data["files"])
    lines = [_("<b>Проверьте обращение</b>"),
             _("Сервис: {svc}").format(svc=escape(data["svc_name"])),
             _("Вид: {t}").format(t=escape(texts.type_name(data["rtype"]))),
             _("Приоритет: {p}").format(p=escape(texts.priority_label(data["prio"], data.get("svc_policy")))), "",
             texts.fields_block(values, tz=root.tz, order=data["order"])]
    return "\n".join(lines)


async def show_summary(event: Event, state: FSMContext, root: Any) -> None:
    data = await state.get_data()
    await state.update_data(edit=False)
    await state.set_state(ReportSG.summary)
    rows = [[("✏️ " + texts.field_label(k), RepCb(a="edit", v=k))] for k in data["order"]]
    rows.append([("✏️ " + _("Приоритет"), RepCb(a="edit", v="_prio"))])
    rows.append([(_("📨 Отправить"), RepCb(a="send")), (_("✖️ Отмена"), RepCb(a="cancel"))])
    await say(event, summary_text(data, root) + "\n\n" + _("Всё верно? Можно исправить любое поле."), inline(rows))


async def cancel(event: Event, state: FSMContext) -> None:
    await state.clear()
    await say(event, _("Хорошо, обращение отменено — ничего не отправлено."), main_menu())
