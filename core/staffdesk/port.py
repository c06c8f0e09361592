"""What the staff desk asks of Telegram, as a plain protocol: the bot side implements it, the API uses it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class ChatCheck:
    """The bot's own membership in a chat: what is missing for it to serve as a line chat (empty: nothing)."""

    missing: list[str]
    title: str = ""
    forum: bool = False

    @property
    def ok(self) -> bool:
        return not self.missing


class TelegramPort(Protocol):
    async def username(self) -> str | None:
        """The bot's @username (for deep links)."""

    async def check_chat(self, chat_id: int) -> ChatCheck:
        """Looks at the bot's own rights in a chat."""


@dataclass
class TelegramLink:
    """Filled by the composition root once the bot exists; empty in an API-only process."""

    port: TelegramPort | None = None
