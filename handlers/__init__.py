"""The user dialogs: one router per module; the fallback router comes last."""

from __future__ import annotations

from aiogram import Router


def user_routers() -> list[Router]:
    """Fresh routers of every user dialog, in the order they must be tried (menu first, fallback last)."""
    from handlers import (
        comeback,
        fallback,
        fsm_cache,
        kb,
        menu,
        my_requests,
        report,
        report_edits,
        report_outage,
        report_send,
        selfservice,
        staff_invite,
        start,
        subscriptions,
        verify,
    )

    # an invitation link (/start inv_…) before the plain /start
    routers = [staff_invite.router, menu.router, start.router, verify.router, selfservice.router, report_edits.router,
               report_outage.router, report.router, report_send.router, kb.router, my_requests.router,
               subscriptions.router, comeback.router, fallback.router]
    for r in routers:
        fsm_cache.install(r)
        parent = r.parent_router
        if parent is not None:
            # a router belongs to one dispatcher: a second root in the same process (a restart) takes them over
            parent.sub_routers.remove(r)
            r._parent_router = None
    return routers
