"""The steps of the guided intake: each `ask_*` shows one step; FSM data holds the whole dialog."""

from __future__ import annotations

import logging
from functools import partial
from html import escape
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot import texts
from bot.keyboards import Button, RepCb, inline, main_menu, nav_row, yes_no
from bot.states import ReportSG
from bot.telegram import to_plain
from bot.texts import _
from core.catalog.intake import AFFECTED_NAMES, FIELDS, FieldKind, check_value, intake_fields
from core.catalog.models import User
from core.db import utcnow
from core.tickets.priority import IMPACT_FIELDS, impact_fields, needs_impact, propose_priority
from core.tickets.service import PROFILE_KEYS
from core.uow import UowFactory
from core.verification.codes import Policy
from handlers import services, verify
from handlers.common import Event, drop_keyboard_of, file_label, say
from handlers.profile_steps import begin_profile

if TYPE_CHECKING:
    from kb.service import KnowledgeBase

log = logging.getLogger(__name__)
ALL_TYPES = ("incident", "access_problem", "access_request", "change", "feature", "consultation")
DESC_KEYS = ("actual", "description", "question", "statement")


async def start_report(event: Event, state: FSMContext, uow: UowFactory, kb: KnowledgeBase | None, user: User, *,
                       policy: Policy, seed: str | None = None, counted: bool = False) -> None:
    """Begins a report (collecting the profile first if it is not complete, then the e-mail verification)."""
    if not user.profile_complete:
        await state.clear()
        await state.update_data(then="report", seed=seed, ft_counted=counted)
        await begin_profile(event, state)
        return
    if not await verify.gate(event, state, uow, user, policy, seed=seed, counted=counted):
        return
    data = await state.get_data()
    declined = data.get("o_shown", []) if await state.get_state() == ReportSG.outage.state else []
    await state.clear()
    # create() checks again before registering (an approval revoked meanwhile, a dialog older than the setting);
    # o_no: outages the user said were not their problem («У меня другое»), not offered again in this report
    await state.update_data(seed=seed, ss_seen=data.get("ss_seen", []), ss_desc_done=False, vf=policy.required,
                            o_no=declined)
    if kb is not None and not counted:
        await kb.record_request_started(uow=uow(), user_id=user.id)
    await ask_service(event, state, uow)


async def ask_service(event: Event, state: FSMContext, uow: UowFactory) -> None:
    active = await services.active_services(uow)
    await state.set_state(ReportSG.service)
    rows: list[list[Button]] = [[(s.name, RepCb(a="svc", v=s.code))] for s in active]
    rows.append(nav_row(back=False))
    await say(event, _("В какой системе проблема? Выберите сервис:"), inline(rows))


async def ask_type(event: Event, state: FSMContext, uow: UowFactory) -> None:
    data = await state.get_data()
    svc = await services.get_service(uow, data["svc"])
    types = svc.request_types or list(ALL_TYPES)
    await state.set_state(ReportSG.rtype)
    rows: list[list[Button]] = [[(texts.type_name(t), RepCb(a="type", v=t))] for t in types]
    rows.append(nav_row())
    await say(event, _("Сервис: <b>{svc}</b>. Что случилось? Выберите вид обращения:").format(
        svc=escape(svc.name)), inline(rows))


async def start_fields(event: Event, state: FSMContext, uow: UowFactory, tz: ZoneInfo, user: User,
                       rtype: str) -> None:
    """Works out which fields to ask: the type's intake minus what the profile already knows."""
    data = await state.get_data()
    svc = await services.get_service(uow, data["svc"])
    specs = intake_fields(service_intake=svc.intake, request_type=rtype)
    pre = {s.key: getattr(user, s.key) for s in specs if s.key in PROFILE_KEYS and getattr(user, s.key, None)}
    # ТЕКОН: the assistance level follows the kind of request and is not asked
    fixed = (svc.type_priority or {}).get(rtype)
    await state.update_data(rtype=rtype, order=[s.key for s in specs], pre=pre,
                            keys=[s.key for s in specs if s.key not in pre], idx=0, vals={}, files=[], edit=False,
                            imp={}, prio=None, prio_fixed=fixed)
    await ask_field(event, state, tz)


async def ask_field(event: Event, state: FSMContext, tz: ZoneInfo) -> None:
    data = await state.get_data()
    keys, idx = data["keys"], data["idx"]
    if data.get("edit"):
        spec = FIELDS[data["edit_key"]]
    elif idx >= len(keys) and data.get("prio_fixed") is not None:
        # ТЕКОН: the level follows the kind of request — no impact questions, no priority to choose
        await state.update_data(prio=data["prio_fixed"])
        await show_summary(event, state, tz)
        return
    elif idx >= len(keys):
        await ask_impact(event, state, first=True)
        return
    else:
        spec = FIELDS[keys[idx]]
    seed = data.get("seed")
    if seed and spec.key in DESC_KEYS and not data.get("edit"):
        try:
            value = check_value(spec, seed, now=utcnow(), tz=tz)
        except ValueError:
            value = None
        if value is not None:
            # the user's first message already described the problem and was checked against the KB
            await state.update_data(seed=None, ss_desc_done=True, vals={**data["vals"], spec.key: value},
                                    idx=idx + 1)
            await ask_field(event, state, tz)
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
    rows: list[list[Button]] = []
    if spec.kind is FieldKind.choice:
        rows = [[(texts.affected_name(c), RepCb(a="choice", v=c))] for c in spec.choices]
    elif spec.kind is FieldKind.files:
        have = len(data.get("files", []))
        text += "\n" + _("Подойдут фото, голосовые сообщения, аудиозаписи и файлы doc, xls, pdf, jpg, png, zip, "
                          "log и другие; когда всё пришлёте — нажмите «Готово».")
        if have:
            text += "\n" + _("Уже приложено файлов: {n}").format(n=have)
        rows = [[(_("✅ Готово"), RepCb(a="done"))]]
    rows.append(nav_row(skip=not spec.required and spec.kind is not FieldKind.files))
    await _prompt(event, state, text, inline(rows))


async def ask_impact(event: Event, state: FSMContext, *, first: bool = False,
                     step: int | None = None) -> None:
    """Impact questions (who is affected, is work blocked, is there a workaround), then the priority."""
    data = await state.get_data()
    if first:
        steps = []
        if needs_impact(data["rtype"]):
            ask_who = data["rtype"] != "change"
            # a service whose intake asks one of them as a field already has that answer
            steps = [k for k in (["affected"] if ask_who else []) + ["blocked", "workaround"]
                     if IMPACT_FIELDS[k] not in data["vals"]]
        await state.update_data(imp_steps=steps, imp_i=0)
        data = await state.get_data()
    i = data["imp_i"] if step is None else step
    steps = data["imp_steps"]
    if i >= len(steps):
        await ask_priority(event, state)
        return
    await state.update_data(imp_i=i)
    await state.set_state(ReportSG.impact)
    kind = steps[i]
    rows: list[list[Button]]
    if kind == "affected":
        rows = [[(texts.affected_name(c), RepCb(a="imp", v=c))] for c in AFFECTED_NAMES]
        text = _("Сколько пользователей затронуто?")
    elif kind == "blocked":
        rows, text = [yes_no("imp")], _("Работа остановлена — вы не можете выполнить свою задачу?")
    else:
        rows, text = [yes_no("imp")], _("Есть ли обходной путь — можно ли пока сделать то же самое иначе?")
    rows.append(nav_row())
    await _prompt(event, state, text, inline(rows))


def impact_values(data: dict[str, Any]) -> dict[str, str]:
    """The impact answers of this dialog as ticket fields (Массовость, Работа остановлена, Есть обходной путь)."""
    asked = set(data.get("imp_steps") or ())
    return impact_fields({k: v for k, v in data.get("imp", {}).items() if k in asked})


def ticket_fields(data: dict[str, Any]) -> dict[str, Any]:
    """What the ticket keeps: the answered fields and the impact answers the priority was proposed from."""
    return {**data["vals"], **impact_values(data)}


def proposed(data: dict[str, Any]) -> int:
    values = ticket_fields(data)
    blocked, workaround = values.get("work_blocked"), values.get("has_workaround")
    return propose_priority(request_type=data["rtype"], affected=values.get("affected_users"),
                            blocked=None if blocked is None else blocked == "yes",
                            workaround=None if workaround is None else workaround == "yes")


async def ask_priority(event: Event, state: FSMContext) -> None:
    data = await state.get_data()
    prio = proposed(data)
    await state.update_data(prio_proposed=prio)
    await state.set_state(ReportSG.priority)
    label = partial(texts.priority_label, policy=data.get("svc_policy"))
    rows: list[list[Button]] = [[(_("✅ Согласен: {p}").format(p=label(prio)), RepCb(a="prio", v=str(prio)))]]
    rows += [[(label(p), RepCb(a="prio", v=str(p)))] for p in (1, 2, 3, 4) if p != prio]
    rows.append(nav_row())
    await _prompt(event, state, _("По вашим ответам предлагаю приоритет <b>{p}</b>. Согласны? Специалисты могут "
                                  "его уточнить.").format(p=escape(label(prio))), inline(rows))


async def _prompt(event: Event, state: FSMContext, text: str, markup: InlineKeyboardMarkup | None) -> None:
    """A step's question; its message is the step's (see `on_prompt`); `step_kb`: its buttons are still shown."""
    sent = await say(event, text, markup)
    await state.update_data(step_mid=sent.message_id, step_kb=markup is not None)


async def retire_question(message: Message, state: FSMContext) -> None:
    """The current step's question is done with — a typed answer took the step, or it is asked anew after an
    edit: its buttons («Назад», «Пропустить», …) go, as a press would have taken them (say() drops a pressed
    keyboard). A message that cannot be edited (deleted, or refused for its age) keeps them: the answer matters
    more, and a late press is refused by `on_prompt` anyway."""
    data = await state.get_data()
    if data.get("step_mid") and data.get("step_kb"):
        await state.update_data(step_kb=False)  # asked once: never a second edit («message is not modified»)
        await drop_keyboard_of(message, int(data["step_mid"]))


def on_prompt(call: CallbackQuery, data: dict[str, Any]) -> bool:
    """Whether a step's button was pressed on the current step's question. A quick second press of «Пропустить»
    or «Нет» reaches the bot after the first one moved the dialog on, and would answer the next step unseen."""
    mid, pressed = data.get("step_mid"), getattr(call.message, "message_id", None)
    return mid is None or pressed is None or pressed == mid


async def old_step(call: CallbackQuery, why: str) -> None:
    """The answer to a press `on_prompt` refused: the dialog is fine, the press was one step late."""
    log.info("button %r from user %s not taken: %s", call.data, call.from_user.id, why)
    await call.answer(_("Этот шаг уже пройден — ответьте, пожалуйста, на последний вопрос."))


def summary_text(data: dict[str, Any], tz: ZoneInfo, *, limit: int = 600) -> str:
    values = {**data.get("pre", {}), **ticket_fields(data)}
    order = [*data["order"], *(k for k in impact_values(data) if k not in data["order"])]
    if data.get("files"):
        names = ", ".join(file_label(f["name"]) for f in data["files"])
        for key in data["order"]:
            if FIELDS[key].kind is FieldKind.files:
                values[key] = names
    lines = [_("<b>Проверьте обращение</b>"),
             _("Сервис: {svc}").format(svc=escape(data["svc_name"])),
             _("Вид: {t}").format(t=escape(texts.type_name(data["rtype"]))),
             _("Приоритет: {p}").format(p=escape(texts.priority_label(data["prio"], data.get("svc_policy")))), "",
             texts.fields_block(values, tz=tz, order=order, limit=limit)]
    return "\n".join(lines)


SUMMARY_ROOM = 4000  # of Telegram's 4,096 characters (counted without the HTML tags) for one summary message


def fitting_summary(data: dict[str, Any], tz: ZoneInfo, tail: str) -> str:
    """The summary with `tail`, in one message: a service whose intake asks many long fields gets each answer
    cut shorter (600 characters, then 300, …) instead of a summary Telegram refuses as too long."""
    limit = 600
    text = summary_text(data, tz, limit=limit) + tail
    while len(to_plain(text)) > SUMMARY_ROOM and limit > 40:
        limit //= 2
        text = summary_text(data, tz, limit=limit) + tail
    return text


async def show_summary(event: Event, state: FSMContext, tz: ZoneInfo) -> None:
    data = await state.get_data()
    await state.update_data(edit=False)
    await state.set_state(ReportSG.summary)
    rows = [[("✏️ " + texts.field_label(k), RepCb(a="edit", v=k))] for k in data["order"]]
    if data.get("prio_fixed") is None:
        rows.append([("✏️ " + _("Приоритет"), RepCb(a="edit", v="_prio"))])
    rows.append([(_("📨 Отправить"), RepCb(a="send")), (_("✖️ Отмена"), RepCb(a="cancel"))])
    sent = await say(event, fitting_summary(data, tz, "\n\n" + _("Всё верно? Можно исправить любое поле.")),
                     inline(rows))
    await state.update_data(sum_mid=sent.message_id)  # an edited answer shows it anew (handlers/report_edits.py)


async def cancel(event: Event, state: FSMContext) -> None:
    await state.clear()
    await say(event, _("Хорошо, обращение отменено — ничего не отправлено."), main_menu())


verify.THEN["report"] = start_report
