"""Who may file: the work e-mail is confirmed by a one-time code before the first report (003).

The gate (`gate`) runs where a report starts and again before it is registered; the knowledge base, the
ticket list and the profile stay open. A dialog that was on its way to a report goes on with it once the
address is confirmed.
"""

from __future__ import annotations

import logging
from html import escape
from typing import Protocol

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot.keyboards import VerCb, inline, main_menu
from bot.states import VerifySG
from bot.texts import _
from core.catalog.models import User
from core.mail.port import Mailer
from core.settings import Settings
from core.uow import UowFactory
from core.verification import codes
from core.verification import service as verification
from core.verification.codes import Policy
from core.verification.errors import CodeRefused, EmailRefused, MailNotSent, ResendTooSoon
from handlers.common import ANSWER_TEXT, Event, say
from kb.service import KnowledgeBase

log = logging.getLogger(__name__)
router = Router(name="verify")


class Then(Protocol):
    async def __call__(self, event: Event, state: FSMContext, uow: UowFactory, kb: KnowledgeBase | None, user: User,
                       *, policy: Policy, seed: str | None = None, counted: bool = False) -> None: ...


# what a confirmed address goes on with ("report": the report it was stopped at); the report dialog fills it in
THEN: dict[str, Then] = {}


def _domains(policy: Policy) -> str:
    return ", ".join("@" + d for d in policy.domains)


def _ask_text(policy: Policy) -> str:
    text = _("Напишите вашу рабочую почту — пришлю на неё код подтверждения.")
    if policy.domains:
        text += "\n" + _("Подойдёт адрес в домене {domains}, например: <i>i.ivanov@{example}</i>").format(
            domains=escape(_domains(policy)), example=escape(policy.domains[0]))
    return text


async def offer(event: Event, state: FSMContext, uow: UowFactory, user: User, policy: Policy, *,
                intro: str, then: str | None = None, seed: str | None = None, counted: bool = False) -> None:
    """Explains why and starts the verification: a code to the profile's address, or the question of one."""
    await state.clear()
    await state.update_data(vf_then=then, vf_seed=seed, vf_counted=counted)
    status = await verification.status(uow=uow(), user_id=user.id)
    email = status.email
    if email and codes.is_email(email) and codes.domain_allowed(email, policy.domains):
        rows = [[(_("✉️ Отправить код на {email}").format(email=email)[:60], VerCb(a="send"))],
                [(_("✏️ Другой адрес"), VerCb(a="other"))]]
        await say(event, intro, inline(rows))
        return
    await state.set_state(VerifySG.email)
    await say(event, intro + "\n\n" + _ask_text(policy))


async def gate(event: Event, state: FSMContext, uow: UowFactory, user: User, policy: Policy, *,
               seed: str | None = None, counted: bool = False) -> bool:
    """True when the person may file; else explains how to get verified (and starts it) and returns False."""
    if await verification.may_file(uow=uow(), user_id=user.id, policy=policy):
        return True
    intro = _("⛔ Обращения принимаются только от сотрудников компании: подтвердите рабочую почту — это займёт "
              "минуту. Если не получается, позвоните или напишите на первую линию поддержки: там подтвердят "
              "вручную.\nБаза знаний доступна и без этого: «🔎 База знаний».")
    await offer(event, state, uow, user, policy, intro=intro, then="report", seed=seed, counted=counted)
    return False


async def still_allowed(event: Event, state: FSMContext, uow: UowFactory, user: User) -> bool:
    """The check right before a report is registered (the dialog passed the gate earlier); False says why."""
    if await verification.may_file(uow=uow(), user_id=user.id, policy=Policy(required=True)):
        return True
    await state.clear()
    await say(event, "⛔ " + _("Обращения принимаются только от сотрудников компании с подтверждённой рабочей "
                               "почтой. Подтвердить её можно, начав новое обращение."), main_menu())
    return False


def _code_keyboard() -> InlineKeyboardMarkup:
    return inline([[(_("🔁 Отправить ещё раз"), VerCb(a="resend")), (_("✏️ Другой адрес"), VerCb(a="other"))]])


async def _send(event: Event, state: FSMContext, uow: UowFactory, mailer: Mailer, user: User, policy: Policy,
                email: str | None, locale: str) -> None:
    try:
        sent = await verification.send_code(uow=uow(), mailer=mailer, policy=policy, user_id=user.id, email=email,
                                            locale=locale)
    except EmailRefused as exc:
        await state.set_state(VerifySG.email)
        if exc.reason == "domain":
            text = _("Этот адрес не подходит: нужна рабочая почта в домене {domains}. Личная почта не "
                     "принимается.").format(domains=escape(_domains(policy)))
        elif exc.reason == "taken":
            text = _("Этот адрес уже указан в профиле другого человека. Проверьте его или обратитесь в поддержку.")
        else:
            text = _("Это не похоже на адрес почты. Пример: <i>i.ivanov@example.ru</i>")
        await say(event, "⚠️ " + text)
        return
    except ResendTooSoon as exc:
        text = _("Новый код можно запросить через {s} с.").format(s=exc.wait_seconds)
        if isinstance(event, CallbackQuery):
            await event.answer(text, show_alert=True)
        else:
            await event.answer(text)
        return
    except CodeRefused:  # «send again» with no code on its way (used or forgotten): ask the address
        await state.set_state(VerifySG.email)
        await say(event, _ask_text(policy))
        return
    except MailNotSent as exc:
        log.warning("verification code for user %s not sent: %s", user.id, exc.message)
        await say(event, "⚠️ " + _("Не получилось отправить письмо: почтовый сервер сейчас недоступен. "
                                    "Попробуйте через несколько минут."), _code_keyboard())
        return
    await state.set_state(VerifySG.code)
    minutes = max(1, round(policy.ttl.total_seconds() / 60))
    text = _("✉️ Отправил код на <b>{email}</b>. Напишите его сюда — 6 цифр. Код действует {minutes} мин.").format(
        email=escape(sent.email), minutes=minutes)
    if not sent.delivered:
        text += "\n" + _("(Почтовый сервер не настроен: письмо не ушло, код записан в журнал бота.)")
    await say(event, text, _code_keyboard())


@router.callback_query(VerCb.filter(F.a == "send"))
async def on_send(call: CallbackQuery, state: FSMContext, uow: UowFactory, mailer: Mailer, settings: Settings,
                  user: User, locale: str) -> None:
    status = await verification.status(uow=uow(), user_id=user.id)
    await _send(call, state, uow, mailer, user, Policy.of(settings), status.email or "", locale)


@router.callback_query(VerCb.filter(F.a == "resend"))
async def on_resend(call: CallbackQuery, state: FSMContext, uow: UowFactory, mailer: Mailer, settings: Settings,
                    user: User, locale: str) -> None:
    await _send(call, state, uow, mailer, user, Policy.of(settings), None, locale)


@router.callback_query(VerCb.filter(F.a == "other"))
async def on_other(call: CallbackQuery, state: FSMContext, settings: Settings) -> None:
    await state.set_state(VerifySG.email)
    await say(call, _ask_text(Policy.of(settings)))


@router.message(VerifySG.email, ANSWER_TEXT)
async def on_email(message: Message, state: FSMContext, uow: UowFactory, mailer: Mailer, settings: Settings,
                   user: User, locale: str) -> None:
    await _send(message, state, uow, mailer, user, Policy.of(settings), (message.text or "").strip(), locale)


@router.message(VerifySG.code, ANSWER_TEXT)
async def on_code(message: Message, state: FSMContext, uow: UowFactory, settings: Settings, user: User,
                  kb: KnowledgeBase | None) -> None:
    policy = Policy.of(settings)
    code = codes.normalise_code(message.text or "")
    if code is None:
        await message.answer(_("Пришлите код из письма — 6 цифр, например <i>123456</i>."))
        return
    try:
        status = await verification.confirm_code(uow=uow(), policy=policy, user_id=user.id, code=code)
    except CodeRefused as exc:
        if exc.reason == "wrong":
            text = _("Код не подходит. Осталось попыток: {n}.").format(n=exc.left)
        elif exc.reason == "expired":
            text = _("Срок действия кода истёк. Нажмите «Отправить ещё раз» — пришлю новый.")
        elif exc.reason == "attempts":
            text = _("Слишком много неверных попыток. Запросите новый код кнопкой «Отправить ещё раз».")
        else:
            await state.set_state(VerifySG.email)
            await message.answer(_("Код уже использован или не запрашивался.") + "\n" + _ask_text(policy))
            return
        await message.answer("⚠️ " + text, reply_markup=_code_keyboard())
        return
    except EmailRefused:
        await state.set_state(VerifySG.email)
        await message.answer("⚠️ " + _("Этот адрес уже указан в профиле другого человека. Проверьте его или "
                                       "обратитесь в поддержку."))
        return
    data = await state.get_data()
    await state.clear()
    done = _("✅ Почта <b>{email}</b> подтверждена. Теперь можно сообщать о проблемах.").format(
        email=escape(status.email or ""))
    if data.get("vf_then") != "report":
        await message.answer(done, reply_markup=main_menu())
        return
    await message.answer(done)
    await THEN["report"](message, state, uow, kb, user, policy=policy, seed=data.get("vf_seed"),
                         counted=bool(data.get("vf_counted")))
