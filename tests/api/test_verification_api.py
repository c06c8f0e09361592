"""Admin API: line 1 approves a person by hand, and reads whether a person is verified."""

from __future__ import annotations

import httpx

from app.root import Root
from core.verification import service as verification
from core.verification.codes import Policy
from tests import factories as f


async def test_line1_approves_a_person_by_hand(root: Root, client: httpx.AsyncClient) -> None:
    u = await f.user(root)
    before = await client.get(f"/api/v1/users/{u.id}/verification")
    assert before.status_code == 200, before.text
    assert before.json() | {"email": None} == {"user_id": u.id, "verified": False, "method": None, "email": None,
                                               "approved_by": None, "verified_at": None, "pending_email": None}
    r = await client.post(f"/api/v1/users/{u.id}/approve", json={"approved_by": "1ЛТП: Иванова, звонок"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["verified"], body["method"], body["approved_by"]) == (True, "manual", "1ЛТП: Иванова, звонок")
    assert body["verified_at"] is not None
    assert await verification.may_file(uow=root.uow(), user_id=u.id, policy=Policy(required=True))
    assert (await client.get(f"/api/v1/users/{u.id}/verification")).json() == body
    again = await client.post(f"/api/v1/users/{u.id}/approve", json={"approved_by": "другой"})
    assert again.status_code == 200 and again.json() == body  # idempotent: the first approval is kept


async def test_approval_refusals_have_the_error_shape(root: Root, client: httpx.AsyncClient,
                                                      anon: httpx.AsyncClient) -> None:
    u = await f.user(root)
    missing = await client.post("/api/v1/users/999999/approve", json={"approved_by": "1ЛТП"})
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    empty = await client.post(f"/api/v1/users/{u.id}/approve", json={})
    assert empty.status_code == 422 and "approved_by" in empty.json()["error"]["fields"]
    extra = await client.post(f"/api/v1/users/{u.id}/approve", json={"approved_by": "1ЛТП", "verified": True})
    assert extra.status_code == 422
    huge = await client.get("/api/v1/users/99999999999/verification")
    assert huge.status_code == 422
    assert (await anon.post(f"/api/v1/users/{u.id}/approve", json={"approved_by": "x"})).status_code == 401
    assert not await verification.may_file(uow=root.uow(), user_id=u.id, policy=Policy(required=True))
