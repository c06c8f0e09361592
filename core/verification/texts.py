"""The mail with the code, in Russian and English (plain text)."""

from __future__ import annotations

from core.mail.port import Mail


def code_mail(*, to: str, code: str, minutes: int, locale: str) -> Mail:
    """The mail that carries a one-time code."""
    if locale == "en":
        return Mail(to=to, subject=f"Confirmation code: {code}",
                    body=f"Your code to confirm the e-mail in the support desk bot: {code}\n\n"
                         f"Type it in the chat with the bot. It is valid for {minutes} minutes.\n"
                         "If you did not ask for it, ignore this mail: nothing changes without the code.")
    return Mail(to=to, subject=f"Код подтверждения: {code}",
                body=f"Ваш код для подтверждения почты в боте техподдержки: {code}\n\n"
                     f"Напишите его в чате с ботом. Код действует {minutes} мин.\n"
                     "Если вы его не запрашивали, просто не обращайте внимания на это письмо: без кода ничего "
                     "не изменится.")
