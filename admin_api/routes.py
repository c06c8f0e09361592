"""Every router of the admin API, in the order they appear in /docs."""

from __future__ import annotations

from fastapi import APIRouter

from admin_api import (
    broadcasts,
    catalog,
    closing,
    deliveries,
    kb,
    mail,
    news,
    outages,
    planned,
    sla,
    staffdesk,
    tickets,
    users,
    verification,
)

ROUTERS: list[APIRouter] = [catalog.router, mail.router, tickets.router, users.router, closing.router, sla.router,
                            kb.router, deliveries.router, staffdesk.router, broadcasts.router, outages.router,
                            planned.router, news.router, verification.router]
