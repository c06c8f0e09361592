"""gettext i18n: locales/<lang>/LC_MESSAGES/messages.po, compiled to .mo on demand so a fresh clone works."""

from __future__ import annotations

import logging
import tempfile
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


def _load(path: Path) -> I18n:
    """A plain I18n: aiogram's gettext() and I18n.get_current() only see the I18n class itself.

    A subclass would get its own context variable (aiogram's ContextInstanceMixin makes one per class), so
    handlers using aiogram.utils.i18n.gettext would raise "I18n context is not set". The tolerance that a
    subclass once gave is done here instead: a missing folder or an uncompiled .po means Russian ids.
    """
    try:
        return I18n(path=path, default_locale="ru", domain=DOMAIN)
    except (OSError, RuntimeError):  # no folder, or a .po whose .mo could not be written: still a bot
        log.exception("no usable catalogs in %s: every text stays its Russian message id", path)
    with tempfile.TemporaryDirectory() as empty:
        i18n = I18n(path=empty, default_locale="ru", domain=DOMAIN)
    i18n.path = path.resolve()  # where the catalogs were expected (the empty folder is gone)
    return i18n


def make_i18n(path: Path = LOCALES_DIR) -> I18n:
    """Compiles stale catalogs, then loads them; Russian is the default and the message-id language."""
    try:
        compile_catalogs(path)
    except OSError:  # a read-only checkout with stale .mo files still starts, with the old translations
        log.exception("could not compile the message catalogs in %s", path)
    return _load(path)


class DataI18nMiddleware(I18nMiddleware):
    """Takes the locale the user middleware put into the data (profile, then Telegram language)."""

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        locale = data.get("locale") or self.i18n.default_locale
        return locale if locale in (*self.i18n.available_locales, self.i18n.default_locale) else "ru"
