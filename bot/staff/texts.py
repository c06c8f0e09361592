"""Texts staff read (alarms, notices, command answers): Russian msgids, English from locales/en."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from aiogram.utils.i18n import I18n

from bot.telegram import escape
from bot.texts import N_

if TYPE_CHECKING:
    from core.tickets.models import Ticket

TARGETS = {"reaction": N_("реакция"), "diagnosis": N_("диагностика"), "workaround": N_("обходное решение"),
           "resolution": N_("решение"), "op4_incident": N_("номер инцидента ТП2")}


class Tr:
    """gettext in an explicit locale: the delivery worker and the commands both use it."""

    def __init__(self, i18n: I18n | None, locale: str | None) -> None:
        self.i18n, self.locale = i18n, locale if locale in ("ru", "en") else "ru"

    def __call__(self, msgid: str, **kw: Any) -> str:
        text = self.i18n.gettext(msgid, locale=self.locale) if self.i18n is not None else msgid
        return text.format(**kw) if kw else text

    def duration(self, span: timedelta) -> str:
        """«1 д 2 ч», «3 ч 5 мин», «12 мин» (at least a minute)."""
        minutes = max(1, int(abs(span).total_seconds()) // 60)
        days, rest = divmod(minutes, 24 * 60)
        hours, mins = divmod(rest, 60)
        if days:
            return self("{d} д {h} ч", d=days, h=hours) if hours else self("{d} д", d=days)
        if hours:
            return self("{h} ч {m} мин", h=hours, m=mins) if mins else self("{h} ч", h=hours)
        return self("{m} мин", m=mins)

    def target(self, name: str) -> str:
        return self(TARGETS[name]) if name in TARGETS else name


def ticket_head(ticket: Ticket) -> str:
    """«SD-000042 P1 «title»» as staff messages name a ticket (number bold)."""
    return f"<b>{escape(ticket.number or '')}</b> P{ticket.priority} «{escape(ticket.title)}»"
