"""Adapters of the e-mail port: SMTP through aiosmtplib, and the log when no SMTP server is configured."""

from __future__ import annotations

import logging
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import aiosmtplib

from core.mail.port import Mail, MailError
from core.settings import Settings

log = logging.getLogger(__name__)


class LogMailer:
    """No SMTP: every mail, a verification code included, goes to the log so a person can still try the bot."""

    delivers = False

    def __init__(self) -> None:
        self.sent: list[Mail] = []

    async def send(self, mail: Mail) -> None:
        """Logs the mail instead of sending it."""
        self.sent.append(mail)
        del self.sent[:-100]  # the last ones only, for a look in a debugger or a test
        log.warning("SMTP_HOST is not set, the mail is not sent; to %s, «%s»:\n%s", mail.to, mail.subject, mail.body)


class SmtpMailer:
    """One SMTP session per mail (codes and notices are rare); errors become MailError, 4xx/network transient."""

    delivers = True

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def _message(self, mail: Mail) -> EmailMessage:
        msg = EmailMessage()
        msg["From"] = mail.sender or self.settings.smtp_from
        msg["To"] = mail.to
        msg["Subject"] = mail.subject
        msg["Date"] = formatdate(localtime=False)
        msg["Message-ID"] = make_msgid(domain=str(msg["From"]).rpartition("@")[2] or None)
        msg.set_content(mail.body)
        return msg

    async def send(self, mail: Mail) -> None:
        """Sends the mail through the configured SMTP server."""
        s = self.settings
        try:
            await aiosmtplib.send(
                self._message(mail), hostname=s.smtp_host, port=s.smtp_port, username=s.smtp_user,
                password=s.smtp_password.get_secret_value() if s.smtp_password else None,
                use_tls=s.smtp_ssl, start_tls=True if s.smtp_starttls else False, timeout=s.smtp_timeout)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [r.code for r in exc.recipients]
            raise MailError(f"recipient refused: {exc}", transient=all(400 <= c < 500 for c in codes)) from exc
        except aiosmtplib.SMTPAuthenticationError as exc:
            # a wrong SMTP_USER/SMTP_PASSWORD heals when an administrator fixes it: nothing is given up meanwhile
            raise MailError(f"SMTP login refused ({exc.code}): check SMTP_USER and SMTP_PASSWORD",
                            transient=True) from exc
        except aiosmtplib.SMTPResponseException as exc:
            raise MailError(f"SMTP {exc.code}: {exc.message}", transient=exc.code < 500) from exc
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            # connection refused or dropped, timeouts, TLS failures: the server may be back later
            raise MailError(f"{type(exc).__name__}: {exc}", transient=True) from exc


def make_mailer(settings: Settings) -> SmtpMailer | LogMailer:
    """SMTP when SMTP_HOST is set, else the log."""
    if settings.smtp_host:
        return SmtpMailer(settings)
    return LogMailer()
