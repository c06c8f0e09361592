"""Wiring of the kb part: startup hooks and periodic jobs."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.root import Root


def wire(root: Root) -> None:
    """Adds this part's startup hooks (root.extras["startup_hooks"]) and jobs (root.extras["job_registrars"])."""
