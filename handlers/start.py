"""/start, the profile (asked once, changeable from the menu), the organisation, the language and help."""

from __future__ import annotations

from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.filters import CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.keyboards import REGIONS, ProfCb, inline, main_menu
from bot.states import ProfileSG, ReportSG
from bot.texts import N_, _, current_i18n
from core.catalog import service as catalog
from core.catalog.intake import EMAIL_RE, FIELDS, check_value, same_region
from core.catalog.models import User
from core.db import utcnow
from core.errors import IdentityTaken
from core.settings import Settings
from core.uow import UowFactory
from core.verification import service as verification
from core.verification.codes import Policy
from handlers import report_steps, verify
from handlers.common import ANSWER_TEXT, Event, refuse_button, say
from handlers.profile_steps import ask_organisation, begin_profile, contract_refused, org_buttons, typed_instead
from kb.service import KnowledgeBase

router = Router(name="start")


@router.message(CommandStart())
async def on_start(message: Message, state: FSMContext, user: User) -> None:
    # /start in the middle of a report throws its draft away: said, not done silently
    dropped = (await state.get_state() or "").startswith(ReportSG.__name__ + ":")
    await state.clear()
    if user.profile_complete:
        text = _("Здравствуйте, {name}! Я бот техподдержки. Расскажите, что случилось, или выберите "
                 "действие в меню.").format(name=escape(user.full_name))
        if dropped:
            text = _("Черновик обращения не сохранён — начнём заново.") + "\n" + text
        await message.answer(text, reply_markup=main_menu())
        return
    await message.answer(_("Здравствуйте! Я бот техподдержки: помогу найти ответ в базе знаний, приму обращение и "
                           "расскажу, как идёт работа над ним.\nСначала познакомимся — это нужно один раз."))
    await begin_profile(message, state)


async def _ask_login(event: Event, state: FSMContext) -> None:
    await state.set_state(ProfileSG.login)
    await say(event, _("Ваш логин в системе или рабочая почта?\nНапример: <i>i.ivanov</i> или "
                       "<i>i.ivanov@example.ru</i>"))


async def _ask_login_again(event: Event, state: FSMContext, exc: IdentityTaken, values: dict[str, Any]) -> None:
    """The login or e-mail is another employee's: the login step again, everything else of the dialog kept."""
    value = escape(str(values.get(exc.field) or next(iter(values.values()), "")))
    if exc.field == "email":
        text = _("Почта <b>{value}</b> уже указана в профиле другого сотрудника. Проверьте, нет ли опечатки, "
                 "или напишите другой адрес (или логин в системе).").format(value=value)
    else:
        text = _("Логин <b>{value}</b> уже указан в профиле другого сотрудника. Проверьте, нет ли опечатки, "
                 "или напишите другой логин (или рабочую почту).").format(value=value)
    await state.set_state(ProfileSG.login)
    await say(event, text)


async def _ask_region(event: Event, state: FSMContext) -> None:
    await state.set_state(ProfileSG.region)
    rows = [[(r, ProfCb(a="region", v=str(i)))] for i, r in enumerate(REGIONS)]
    rows.append([(_("Другой"), ProfCb(a="region", v="other"))])
    sent = await say(event, _("Выберите ваш МРФ (макрорегиональный филиал):"), inline(rows))
    await state.update_data(pf_kb=sent.message_id)  # typed instead of pressed: its buttons go (on_region_typed)


@router.message(ProfileSG.full_name, ANSWER_TEXT)
async def on_full_name(message: Message, state: FSMContext, uow: UowFactory, tz: ZoneInfo, user: User) -> None:
    try:
        name = check_value(FIELDS["full_name"], message.text, now=utcnow(), tz=tz)
    except ValueError:
        await message.answer(_("Напишите, пожалуйста, ФИО полностью, например: <i>Иванов Иван Иванович</i>"))
        return
    if (await state.get_data()).get("pf_one"):
        await _save_one(message, state, uow, user, full_name=name)
        return
    await state.update_data(pf_full_name=name)
    await _ask_login(message, state)


@router.message(ProfileSG.login, ANSWER_TEXT)
async def on_login(message: Message, state: FSMContext, uow: UowFactory, kb: KnowledgeBase | None, user: User,
                   settings: Settings) -> None:
    text = (message.text or "").strip()
    if "@" in text and not EMAIL_RE.match(text):
        await message.answer(_("Это не похоже на адрес почты. Пример: <i>i.ivanov@example.ru</i>"))
        return
    if len(text) < 2 or len(text) > 200 or " " in text:
        await message.answer(_("Логин — одно слово без пробелов, например: <i>i.ivanov</i>"))
        return
    values = {"email": text} if "@" in text else {"login": text}
    data = await state.get_data()
    if data.get("pf_one"):
        await _save_one(message, state, uow, user, **values)
        return
    await state.update_data(pf_login=values)
    if data.get("pf_region"):  # the region was chosen before the login turned out to be taken: not asked again
        await _region_chosen(message, state, uow, kb, user, data["pf_region"], Policy.of(settings))
        return
    await _ask_region(message, state)


@router.callback_query(ProfileSG.region, ProfCb.filter(F.a == "region"))
async def on_region(call: CallbackQuery, callback_data: ProfCb, state: FSMContext, uow: UowFactory,
                    kb: KnowledgeBase | None, user: User, settings: Settings) -> None:
    if callback_data.v == "other":
        await state.set_state(ProfileSG.region_other)
        await say(call, _("Напишите название вашего филиала или подразделения."))
        return
    if callback_data.v not in {str(i) for i in range(len(REGIONS))}:
        await refuse_button(call, "not a region")
        return
    await _region_chosen(call, state, uow, kb, user, REGIONS[int(callback_data.v)], Policy.of(settings))


@router.message(ProfileSG.region, ANSWER_TEXT)
async def on_region_typed(message: Message, state: FSMContext, uow: UowFactory, kb: KnowledgeBase | None,
                          user: User, settings: Settings) -> None:
    # «Урал» typed instead of pressed: the same МРФ as the button «МРФ Урал»
    found = [r for r in REGIONS if same_region(r, message.text)]
    if not found:
        await message.answer(_("Выберите МРФ кнопкой выше или нажмите «Другой», чтобы написать свой филиал."))
        return
    await typed_instead(message, state)
    await _region_chosen(message, state, uow, kb, user, found[0], Policy.of(settings))


@router.message(ProfileSG.region_other, ANSWER_TEXT)
async def on_region_other(message: Message, state: FSMContext, uow: UowFactory, kb: KnowledgeBase | None,
                          tz: ZoneInfo, user: User, settings: Settings) -> None:
    try:
        region = check_value(FIELDS["region"], message.text, now=utcnow(), tz=tz)
    except ValueError:
        await message.answer(_("Слишком коротко — напишите название филиала."))
        return
    await _region_chosen(message, state, uow, kb, user, region, Policy.of(settings))


async def _region_chosen(event: Event, state: FSMContext, uow: UowFactory, kb: KnowledgeBase | None, user: User,
                         region: str, policy: Policy) -> None:
    data = await state.get_data()
    if data.get("pf_one"):
        await _save_one(event, state, uow, user, region=region)
        return
    try:
        saved = await catalog.upsert_user(uow=uow(), tg_id=user.tg_id, full_name=data["pf_full_name"],
                                          region=region, **data["pf_login"])
    except IdentityTaken as exc:
        await state.update_data(pf_region=region)
        await _ask_login_again(event, state, exc, data["pf_login"])
        return
    then, seed, counted = data.get("then"), data.get("seed"), bool(data.get("ft_counted"))
    saved_text = _("Спасибо, {name}! Профиль сохранён — изменить его можно в меню «Профиль».").format(
        name=escape(saved.full_name))
    if then == "report":
        await state.clear()
        await say(event, saved_text)
        await report_steps.start_report(event, state, uow, kb, saved, policy=policy, seed=seed, counted=counted)
    elif policy.required and not await verification.may_file(uow=uow(), user_id=saved.id, policy=policy):
        await state.clear()
        await verify.offer(event, state, uow, saved, policy, intro=saved_text + "\n\n" + _(
            "Сообщать о проблемах могут сотрудники компании с подтверждённой рабочей почтой; база знаний открыта "
            "всем."))
    else:
        await say(event, saved_text, main_menu())
        await state.clear()  # after the reply: a retried press after a crash saves again and tells it


async def _save_one(event: Event, state: FSMContext, uow: UowFactory, user: User, **values: Any) -> None:
    try:
        saved = await catalog.upsert_user(uow=uow(), tg_id=user.tg_id, **values)
    except IdentityTaken as exc:  # only a login or e-mail can be taken: the edit of the login asks again
        await _ask_login_again(event, state, exc, values)
        return
    await state.clear()
    await say(event, _("Сохранено."))
    await show_profile(event, saved)


async def show_profile(event: Event, user: User) -> None:
    org = user.organisation.name if user.organisation is not None else "—"
    lang = "English" if user.locale == "en" else "Русский"
    text = "\n".join([_("<b>Ваш профиль</b>"), _("ФИО: {v}").format(v=escape(user.full_name or "—")),
                      _("Логин: {v}").format(v=escape(user.login or "—")),
                      _("E-mail: {v}").format(v=escape(user.email or "—")),
                      _("МРФ: {v}").format(v=escape(user.region or "—")),
                      _("Организация: {v}").format(v=escape(org)), _("Язык: {v}").format(v=lang)])
    rows = [[(_("✏️ ФИО"), ProfCb(a="edit", v="full_name")), (_("✏️ Логин / e-mail"), ProfCb(a="edit", v="login"))],
            [(_("✏️ МРФ"), ProfCb(a="edit", v="region")), (_("🏢 Организация"), ProfCb(a="org", v="profile"))],
            [(_("🌐 Язык / Language"), ProfCb(a="lang"))]]
    await say(event, text, inline(rows))


@router.callback_query(ProfCb.filter(F.a == "edit"))
async def on_edit(call: CallbackQuery, callback_data: ProfCb, state: FSMContext) -> None:
    await state.clear()
    await state.update_data(pf_one=True)
    if callback_data.v == "full_name":
        await begin_profile(call, state)
    elif callback_data.v == "login":
        await _ask_login(call, state)
    else:
        await _ask_region(call, state)


@router.callback_query(ProfCb.filter(F.a == "lang"))
async def on_lang(call: CallbackQuery) -> None:
    await say(call, _("Выберите язык / Choose the language:"),
              inline([[("Русский", ProfCb(a="setlang", v="ru")), ("English", ProfCb(a="setlang", v="en"))]]))


@router.callback_query(ProfCb.filter(F.a == "setlang"))
async def on_set_lang(call: CallbackQuery, callback_data: ProfCb, uow: UowFactory, user: User) -> None:
    lang = "en" if callback_data.v == "en" else "ru"
    await catalog.upsert_user(uow=uow(), tg_id=user.tg_id, locale=lang)
    i18n = current_i18n()
    if i18n is None:
        await say(call, "OK", main_menu())
        return
    with i18n.use_locale(lang):
        await say(call, _("Готово, теперь я говорю по-русски."), main_menu())


@router.callback_query(ProfCb.filter(F.a == "org"))
async def on_org(call: CallbackQuery, callback_data: ProfCb, state: FSMContext, uow: UowFactory) -> None:
    await ask_organisation(call, state, uow, ret=callback_data.v or "profile")


@router.callback_query(ProfileSG.organisation, ProfCb.filter(F.a == "orgpick"))
async def on_org_pick(call: CallbackQuery, callback_data: ProfCb, state: FSMContext, uow: UowFactory, tz: ZoneInfo,
                      user: User) -> None:
    listed = {str(o.id) for o in await catalog.list_organisations(uow=uow())}
    if callback_data.v not in listed:
        await refuse_button(call, "not an organisation of the list")
        return
    await _org_chosen(call, state, uow, tz, user, int(callback_data.v))


@router.message(ProfileSG.organisation, ANSWER_TEXT)
async def on_org_text(message: Message, state: FSMContext, uow: UowFactory, tz: ZoneInfo, user: User) -> None:
    orgs = await catalog.list_organisations(uow=uow())
    match = catalog.match_organisations(orgs, message.text or "")
    if not match:
        await typed_instead(message, state)  # the list again below: the one above is not the one to press
        sent = await message.answer(_("Не нашёл организацию «{name}». Выберите её из списка или проверьте "
                                      "название.").format(name=escape(message.text or "")),
                                    reply_markup=org_buttons(orgs[:30]))
        await state.update_data(pf_kb=sent.message_id)
        return
    await typed_instead(message, state)
    if len(match) > 1:
        sent = await message.answer(_("Под «{name}» подходят несколько организаций — выберите вашу:")
                                    .format(name=escape(message.text or "")), reply_markup=org_buttons(match[:30]))
        await state.update_data(pf_kb=sent.message_id)
        return
    await _org_chosen(message, state, uow, tz, user, match[0].id)


async def _org_chosen(event: Event, state: FSMContext, uow: UowFactory, tz: ZoneInfo, user: User,
                      org_id: int) -> None:
    saved = await catalog.upsert_user(uow=uow(), tg_id=user.tg_id, organisation_id=org_id)
    data = await state.get_data()
    ret = data.get("org_return", "profile")
    org = saved.organisation
    await say(event, _("Организация: {org}.").format(org=escape(org.name if org is not None else "")))
    if ret in ("report", "summary") and org is not None and data.get("svc") and await contract_refused(
            event, state, uow, tz, org=org, service_code=data["svc"], ret=ret):
        return
    if ret == "report":
        await report_steps.ask_type(event, state, uow)
    elif ret == "summary":
        await report_steps.show_summary(event, state, tz)
    else:
        await state.clear()
        await show_profile(event, saved)


HELP = N_("Что я умею:\n• «Сообщить о проблеме» — пошагово приму обращение и предложу приоритет;\n"
        "• «Мои обращения» — статус, сроки, история; можно ответить специалисту, добавить файл или отменить;\n"
        "• «База знаний» — поиск готовых ответов;\n• «Аварии и работы» — что сейчас известно о сбоях.\n"
        "Можно просто написать, что случилось, — я поищу ответ и предложу создать обращение.\n"
        "/cancel прерывает текущий диалог.")


async def show_help(message: Message, uow: UowFactory) -> None:
    """What the bot does, and the other ways each service's regulation gives to reach its desk."""
    from handlers import services

    lines = [_(HELP)]
    with_channels = [s for s in await services.active_services(uow) if s.channels]
    if with_channels:
        lines.append("\n" + _("<b>Другие способы обратиться в поддержку</b>"))
        for svc in with_channels:
            lines.append(f"<b>{escape(svc.name)}</b>")
            lines += [f"• {escape(str(c))}" for c in svc.channels]
    await message.answer("\n".join(lines), reply_markup=main_menu())

