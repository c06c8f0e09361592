"""Self-service first: confident knowledge-base articles offered before a request is made.

The offer's context lives in FSM data under "ss" (ctx, offer ids, article ids, opened article) so that
«Помогло»/«Не помогло» work after a restart; the dialog that offered decides what «Не помогло» continues with.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from html import escape
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.keyboards import Button, SsCb, inline, main_menu
from bot.telegram import send_text
from bot.texts import _
from core.catalog.models import User
from core.errors import NotFound
from core.uow import UowFactory
from handlers.common import refuse_button, say, valid_id
from kb.search import Hit
from kb.service import KnowledgeBase

log = logging.getLogger(__name__)
router = Router(name="selfservice")

# what «Не помогло» continues with: (callback, state, uow, tz, user)
Continuation = Callable[[CallbackQuery, FSMContext, UowFactory, ZoneInfo, User | None], Awaitable[None]]
# ctx -> continuation; filled by the dialogs that offer articles
CONTINUE: dict[str, Continuation] = {}


async def search(kb: KnowledgeBase | None, query: str, *, service: str | None,
                 exclude: list[int] | None = None) -> list[Hit]:
    """Up to three confident hits (none when the knowledge base is not wired)."""
    if kb is None or not query.strip():
        return []
    hits = await kb.asearch(query, limit=3, service=service)
    return [h for h in hits if h.id not in set(exclude or ())]


async def offer(message: Message, state: FSMContext, *, kb: KnowledgeBase | None, uow: UowFactory, user: User | None,
                query: str, service: str | None, ctx: str, exclude: list[int] | None = None) -> bool:
    """Shows up to three articles with «Помогло»/«Не помогло»; False (nothing sent) when none is confident."""
    hits = await search(kb, query, service=service, exclude=exclude)
    if not hits or kb is None:
        if kb is not None and query.strip() and not exclude:
            # What the base could not answer is what an administrator should write next (GET /kb/gaps).
            await kb.record_miss(uow=uow(), user_id=user.id if user else None, query=query, service=service,
                                 context="report" if ctx.startswith("report") else ctx)
        return False
    offer_ids = await kb.record_offers(uow=uow(), user_id=user.id if user else None, query=query,
                                                  article_ids=[h.id for h in hits],
                                                  context="report" if ctx.startswith("report") else ctx)
    data = await state.get_data()
    seen = list(dict.fromkeys([*data.get("ss_seen", []), *(h.id for h in hits)]))
    await state.update_data(ss={"ctx": ctx, "offers": offer_ids, "ids": [h.id for h in hits], "opened": None},
                            ss_seen=seen)
    rows: list[list[Button]] = [[(f"📄 {h.title}"[:60], SsCb(a="art", id=h.id))] for h in hits]
    rows.append([(_("👍 Помогло"), SsCb(a="yes")), (_("👎 Не помогло"), SsCb(a="no"))])
    lines = [f"• <b>{escape(h.title)}</b>" + (f"\n  <i>{escape(h.snippet)}</i>" if h.snippet else "") for h in hits]
    await message.answer(_("Возможно, ответ уже есть в базе знаний:") + "\n\n" + "\n".join(lines) + "\n\n"
                         + _("Откройте статью. Если она решила вопрос, нажмите «Помогло»."), reply_markup=inline(rows))
    return True


@router.callback_query(SsCb.filter(F.a == "art"))
async def open_article(call: CallbackQuery, callback_data: SsCb, state: FSMContext, kb: KnowledgeBase,
                       uow: UowFactory) -> None:
    article = None
    if valid_id(callback_data.id):
        try:
            article = await kb.get_article(uow=uow(), article_id=callback_data.id)
        except NotFound:
            article = None
    if article is None or article.status != "published":  # drafts and archived articles are not for users
        await refuse_button(call, "no published article with this id")
        return
    data = await state.get_data()
    ss = data.get("ss")
    if ss and callback_data.id in ss.get("ids", []):
        await state.update_data(ss={**ss, "opened": callback_data.id})
    await call.answer()
    rows = [[(_("👍 Помогло"), SsCb(a="yes")), (_("👎 Не помогло"), SsCb(a="no"))]] if ss else []
    if call.message is not None and call.bot is not None:
        # a long or oddly marked-up article is split, or resent as plain text, rather than lost
        await send_text(call.bot, call.message.chat.id, f"<b>{escape(article.title)}</b>\n\n{article.body}",
                        reply_markup=inline(rows) if rows else None)


@router.callback_query(SsCb.filter(F.a == "yes"))
async def helped(call: CallbackQuery, state: FSMContext, kb: KnowledgeBase, uow: UowFactory) -> None:
    ss = (await state.get_data()).get("ss")
    if not ss:
        await call.answer(_("Этот вопрос уже закрыт."))
        return
    article_id = ss.get("opened") or ss["ids"][0]
    await kb.record_feedback(uow=uow(), offer_ids=ss["offers"], helped_article_id=article_id)
    await state.clear()
    await say(call, _("Отлично, рад, что статья помогла! Обращение создавать не нужно. "
                      "Если понадобится помощь — я здесь."), main_menu())


@router.callback_query(SsCb.filter(F.a == "no"))
async def not_helped(call: CallbackQuery, state: FSMContext, kb: KnowledgeBase, uow: UowFactory, tz: ZoneInfo,
                     user: User | None = None) -> None:
    data = await state.get_data()
    ss = data.get("ss")
    if not ss:
        await call.answer(_("Этот вопрос уже закрыт."))
        return
    await kb.record_feedback(uow=uow(), offer_ids=ss["offers"], helped_article_id=None)
    await state.update_data(ss=None)
    cont = CONTINUE.get(ss["ctx"])
    if cont is None:
        log.error("no continuation for self-service context %r", ss["ctx"])
        await say(call, _("Понятно. Чем ещё помочь?"), main_menu())
        return
    await cont(call, state, uow, tz, user)
