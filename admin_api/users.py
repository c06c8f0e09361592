"""Admin API: line 1 finds the people who report (ФИО, login, e-mail, МРФ) and sees their tickets."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from admin_api.deps import Uow
from admin_api.fields import Id, PageNo, SafeStr
from admin_api.schemas_desk import PersonDetail, PersonPage, PersonTicket
from admin_api.schemas_tickets import requester_out
from core.catalog import service as catalog
from core.catalog import users

router = APIRouter(tags=["users"])


@router.get("/users", response_model=PersonPage)
async def search_users(uow: Uow,
                       q: Annotated[SafeStr | None, Query(max_length=200,
                                                          description="part of the ФИО, login or e-mail")] = None,
                       region: Annotated[SafeStr | None, Query(max_length=100, description="МРФ")] = None,
                       page: PageNo = 1, per_page: int = Query(default=20, ge=1, le=100)) -> PersonPage:
    """People by ФИО, login or e-mail (any case, any part) and МРФ, by name."""
    rows, total = await users.search(uow=uow(), q=q, region=region, offset=(page - 1) * per_page, limit=per_page)
    return PersonPage(items=[p for u in rows if (p := requester_out(u)) is not None], total=total, page=page,
                      per_page=per_page)


@router.get("/users/{user_id}", response_model=PersonDetail)
async def get_user(uow: Uow, user_id: Id) -> PersonDetail:
    """One person with their latest tickets."""
    user, rows, total = await users.with_tickets(uow=uow(), user_id=user_id)
    codes = {s.id: s.code for s in await catalog.list_services(uow=uow())}
    base = requester_out(user)
    assert base is not None
    return PersonDetail(**base.model_dump(), tg_id=user.tg_id, locale=user.locale, unreachable=user.unreachable,
                        profile_complete=user.profile_complete, tickets_total=total,
                        tickets=[PersonTicket(id=t.id, number=t.number, service=codes.get(t.service_id), type=t.type,
                                              priority=t.priority, status=t.status, title=t.title) for t in rows])
