"""Offers, feedback and the self-service figures; none of this touches the search index."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import case, func, select

from core.db import utcnow
from core.errors import NotFound, ValidationFailed
from core.tickets.models import Ticket
from core.uow import UnitOfWork
from kb.models import OFFER_CONTEXTS, Article, KbOffer, KbRequest

TICKET_WINDOW = timedelta(days=1)


async def record_offers(*, uow: UnitOfWork, user_id: int | None, query: str, article_ids: list[int],
                        context: str) -> list[int]:
    """Records that these articles were shown to a user (users.id) for a query; returns offer ids in order."""
    if context not in OFFER_CONTEXTS:
        raise ValidationFailed(f"unknown context '{context}'", fields={"context": "одно из: " + ", ".join(
            OFFER_CONTEXTS)})
    async with uow:
        uow.mark_side_write()  # statistics: not the work of the request that offered the article
        rows = [KbOffer(user_id=user_id, query=query[:4000], article_id=a, context=context, offered_at=utcnow())
                for a in article_ids]
        uow.session.add_all(rows)
        await uow.session.flush()
        ids = [r.id for r in rows]
        await uow.commit()
    return ids


async def record_feedback(*, uow: UnitOfWork, offer_ids: list[int], helped_article_id: int | None) -> None:
    """Marks the offers answered (the helped article's offer True, others False) and solves the open request."""
    async with uow:
        uow.mark_side_write()  # statistics: not the work of the request that offered the article
        offers = list((await uow.session.scalars(select(KbOffer).where(KbOffer.id.in_(offer_ids)))).all())
        if len(offers) != len(set(offer_ids)):
            raise NotFound("unknown offer id")
        if helped_article_id is not None and helped_article_id not in {o.article_id for o in offers}:
            raise ValidationFailed("the helped article was not among the offers",
                                   fields={"helped_article_id": "одна из предложенных статей"})
        now = utcnow()
        for o in offers:
            o.helped = o.article_id == helped_article_id
            o.answered_at = now
        users = {o.user_id for o in offers if o.user_id is not None}
        if helped_article_id is not None and users:
            # The request being solved is the user's latest one that no article has solved yet.
            req = await uow.session.scalar(
                select(KbRequest).where(KbRequest.user_id.in_(users), KbRequest.solved_by_article_id.is_(None))
                .order_by(KbRequest.started_at.desc(), KbRequest.id.desc()).limit(1))
            if req is not None:
                req.solved_by_article_id = helped_article_id
        await uow.commit()


async def record_request_started(*, uow: UnitOfWork, user_id: int) -> int:
    """Records that a user (users.id) started describing a problem; returns the request id."""
    async with uow:
        uow.mark_side_write()  # statistics: not the work of the request that offered the article
        req = KbRequest(user_id=user_id, started_at=utcnow())
        uow.session.add(req)
        await uow.session.flush()
        rid = req.id
        await uow.commit()
    return rid


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


async def _ticketed_offers(uow: UnitOfWork) -> dict[int, int]:
    """Per article, offers after which the same user filed a ticket within TICKET_WINDOW (the offer did not spare it).

    The window is checked here rather than in SQL: date arithmetic differs between SQLite and PostgreSQL."""
    q = (select(KbOffer.id, KbOffer.article_id, KbOffer.offered_at, func.min(Ticket.created_at))
         .join(Ticket, Ticket.requester_id == KbOffer.user_id)
         .where(Ticket.created_at >= KbOffer.offered_at).group_by(KbOffer.id, KbOffer.article_id, KbOffer.offered_at))
    out: dict[int, int] = {}
    for _, article_id, offered_at, first in (await uow.session.execute(q)).all():
        if first - offered_at <= TICKET_WINDOW:
            out[article_id] = out.get(article_id, 0) + 1
    return out


async def stats(*, uow: UnitOfWork) -> dict[str, Any]:
    """Per-article offered/helped/helped share and the overall self-service rate."""
    async with uow:
        helped = func.sum(case((KbOffer.helped.is_(True), 1), else_=0))
        answered = func.sum(case((KbOffer.helped.is_not(None), 1), else_=0))
        not_helped = func.sum(case((KbOffer.helped.is_(False), 1), else_=0))
        ticketed = await _ticketed_offers(uow)
        q = (select(Article.id, Article.title, Article.status, Article.deleted_at, Article.service,
                    func.count(KbOffer.id), helped, answered, not_helped)
             .join(KbOffer, KbOffer.article_id == Article.id).group_by(Article.id).order_by(Article.id))
        articles = []
        services: dict[str, dict[str, Any]] = {}
        total_offers = total_helped = 0
        for aid, title, status, deleted_at, service, n, h, a, nh in (await uow.session.execute(q)).all():
            n, h, a, nh, t = int(n), int(h or 0), int(a or 0), int(nh or 0), ticketed.get(aid, 0)
            total_offers += n
            total_helped += h
            articles.append({"id": aid, "title": title, "status": "deleted" if deleted_at else status,
                             "service": service, "offered": n, "answered": a, "helped": h, "not_helped": nh,
                             "tickets_after_offer": t, "helped_share": _share(h, n)})
            agg = services.setdefault(service or "", {"service": service, "offered": 0, "helped": 0,
                                                      "not_helped": 0, "tickets_after_offer": 0})
            for key, v in (("offered", n), ("helped", h), ("not_helped", nh), ("tickets_after_offer", t)):
                agg[key] += v
        for agg in services.values():
            agg["helped_share"] = _share(agg["helped"], agg["offered"])
        started = int(await uow.session.scalar(select(func.count()).select_from(KbRequest)) or 0)
        solved = int(await uow.session.scalar(
            select(func.count()).select_from(KbRequest).where(KbRequest.solved_by_article_id.is_not(None))) or 0)
    return {"articles": articles, "services": sorted(services.values(), key=lambda x: x["service"] or ""),
            "overall": {"offers": total_offers, "helped": total_helped,
                        "helped_share": _share(total_helped, total_offers), "requests_started": started,
                        "requests_solved": solved, "self_service_rate": _share(solved, started)}}
