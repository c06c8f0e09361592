"""Wiring of the e-mail channel: the mailer (SMTP or the log), and the jobs of the notices to requesters
without Telegram (plan from the outbox, send with retries)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.root import Root

log = logging.getLogger(__name__)


def wire(root: Root) -> None:
    """Sets root.mailer and adds the notice jobs and a startup note about the channel."""
    from core.mail.adapters import make_mailer

    root.mailer = make_mailer(root.settings)
    root.startup_hooks.append(_say_channel)
    root.jobs.append(register_jobs)


async def _say_channel(root: Root) -> None:
    s = root.settings
    if s.smtp_host:
        log.info("e-mail: SMTP %s:%s (STARTTLS %s, TLS %s)", s.smtp_host, s.smtp_port, s.smtp_starttls, s.smtp_ssl)
    else:
        log.warning("e-mail: SMTP_HOST is not set: e-mail is off — the services' information notices (outages, "
                    "works, releases) are not e-mailed; verification codes and status mails are written to this "
                    "log, not sent")


async def run_mail(root: Root) -> None:
    """One pass: plan the mails of new outbox events, send the due ones; errors are logged, the job goes on."""
    from core.mail.notices import plan_notices, send_notices

    try:
        planned = await plan_notices(uow=root.uow(), bulletins=root.mailer.delivers)
        stats = await send_notices(uow=root.uow, mailer=root.mailer)
        if planned or stats.claimed:
            log.info("e-mail notices: %s planned, %s", planned, stats)
    except Exception:
        log.exception("e-mail notices pass failed")


def register_jobs(root: Root) -> None:
    """The e-mail pass every DELIVERY_POLL_SECONDS, one at a time; with or without the bot."""
    root.scheduler.add_job(run_mail, "interval", seconds=max(1.0, root.settings.delivery_poll_seconds), args=[root],
                           id="mail.notices", max_instances=1, coalesce=True, replace_existing=True)
