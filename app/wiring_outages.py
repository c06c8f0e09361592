"""Wiring of the outages part: the «Аварии и работы» menu reads the open outages of the user's services."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.root import Root
    from core.catalog.models import User


def wire(root: Root) -> None:
    """Sets the root's outages provider (taken by the dispatcher in wire_bot)."""
    from core.outages.service import menu_text

    async def provider(user: User) -> str | None:
        return await menu_text(uow_factory=root.uow, user=user, tz=root.tz)

    root.outages_provider = provider
