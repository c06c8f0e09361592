"""gettext i18n: locales/<lang>/LC_MESSAGES/messages.po, compiled to .mo on demand so a fresh clone works."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from aiogram.types import TelegramObject
from aiogram.utils.i18n import I18n, I18nMiddleware

log = logging.getLogger(__name__)

LOCALES_DIR = Path(__file__).resolve().parents[2] / "locales"
DOMAIN = "messages"


def compile_catalogs(path: Path = LOCALES_DIR, domain: str = DOMAIN) -> list[Path]:
    """Compiles every .po whose .mo is missing or older; returns the .mo files written."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written: list[Path] = []
    if not path.is_dir():
        return written
    for po in sorted(path.glob(f"*/LC_MESSAGES/{domain}.po")):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as f:
            catalog = read_po(f, locale=po.parents[1].name)
        tmp = mo.with_suffix(".mo.tmp")
        with tmp.open("wb") as f:
            write_mo(f, catalog)
        tmp.replace(mo)  # atomic, so a concurrent reader never sees half a file
        written.append(mo)
        log.info("compiled %s", mo)
    return written


class SafeI18n(I18n):
    """I18n that tolerates a missing locales folder (then every text is its Russian message id)."""

    def find_locales(self) -> dict[str, Any]:
        if not self.path.is_dir():
            return {}
        try:
            return super().find_locales()
        except RuntimeError:  # a .po without .mo (compilation failed above): Russian ids rather than no bot
            log.exception("uncompiled catalogs in %s", self.path)
            return {}


def make_i18n(path: Path = LOCALES_DIR) -> I18n:
    """Compiles stale catalogs, then loads them; Russian is the default and the message-id language."""
    try:
        compile_catalogs(path)
    except OSError:  # a read-only checkout with stale .mo files still starts, with the old translations
        log.exception("could not compile the message catalogs in %s", path)
    return SafeI18n(path=path, default_locale="ru", domain=DOMAIN)


class DataI18nMiddleware(I18nMiddleware):
    """Takes the locale the user middleware put into the data (profile, then Telegram language)."""

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        locale = data.get("locale") or self.i18n.default_locale
        return locale if locale in (*self.i18n.available_locales, self.i18n.default_locale) else "ru"
