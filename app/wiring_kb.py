"""Wiring of the kb part (root.kb is built with the root): first-start seeding + index build, the reload poll."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.root import Root

log = logging.getLogger(__name__)
POLL_JOB_ID = "kb-reload-poll"
EMBED_JOB_ID = "kb-embed-pending"


async def kb_startup(root: Root) -> None:
    """Seeds on the very first start (unless KB_SEED_SAMPLE=false for the articles), then builds the index."""
    kb = root.kb
    if await kb.seed_first_start(uow=root.uow(), sample=root.settings.kb_seed_sample):
        log.info("knowledge base: first start seeding done (sample articles: %s)", root.settings.kb_seed_sample)
    await kb.load(root.uow.read())


async def kb_poll(root: Root) -> None:
    """Reloads this process's index when the shared revision moved (a change made by another process)."""
    try:
        kb = root.kb
        if await kb.refresh(uow_factory=root.uow.read):
            log.info("knowledge base reloaded at revision %d", kb.revision)
    except Exception:  # a failed poll must not stop the next one
        log.exception("knowledge base poll failed")


async def kb_embed(root: Root) -> None:
    """Embeds imported/seeded articles that have no stored vectors yet, a batch per run, until none is left."""
    try:
        kb = root.kb
        while n := await kb.embed_pending(uow=root.uow()):
            log.info("knowledge base: embedded %d articles", n)
    except Exception:  # a failed batch is retried on the next run
        log.exception("knowledge base embedding job failed")


def register_poll(root: Root) -> None:
    """Schedules kb_poll and kb_embed every KB_POLL_SECONDS."""
    root.scheduler.add_job(kb_poll, "interval", seconds=root.settings.kb_poll_seconds, args=[root],
                           id=POLL_JOB_ID, replace_existing=True, max_instances=1, coalesce=True)
    if root.kb.embedder is not None:
        root.scheduler.add_job(kb_embed, "interval", seconds=root.settings.kb_poll_seconds, args=[root],
                               id=EMBED_JOB_ID, replace_existing=True, max_instances=1, coalesce=True)


def wire(root: Root) -> None:
    """Adds the startup hook (seeding, index build) and the poll job."""
    root.startup_hooks.append(kb_startup)
    root.jobs.append(register_poll)
