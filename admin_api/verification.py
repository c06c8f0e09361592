"""Admin API: who may file tickets from Telegram — a person's verification, and line 1's approval by hand."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from admin_api.deps import Uow
from admin_api.fields import Id, SafeStr
from admin_api.schemas import In
from core.verification import service as verification

router = APIRouter(tags=["users"])


class ApproveIn(In):
    approved_by: SafeStr = Field(min_length=1, max_length=200, examples=["1ЛТП: Иванова А. С. (звонок 02.12)"],
                                 description="who approved the person and on what grounds; kept with the approval")


class VerificationOut(BaseModel):
    user_id: int
    verified: bool = Field(description="may file tickets from Telegram when REQUIRE_EMAIL_VERIFICATION is on")
    method: str | None = Field(description="`email` (a code confirmed the address) or `manual` (approved by hand)")
    email: str | None = Field(description="the profile's e-mail")
    approved_by: str | None
    verified_at: datetime | None
    pending_email: str | None = Field(description="where a code was sent and not typed yet")


def _out(s: verification.Status) -> VerificationOut:
    return VerificationOut(user_id=s.user_id, verified=s.verified, method=s.method, email=s.email,
                           approved_by=s.approved_by, verified_at=s.verified_at, pending_email=s.pending_email)


@router.get("/users/{user_id}/verification", response_model=VerificationOut)
async def get_verification(uow: Uow, user_id: Id) -> VerificationOut:
    """Whether the person is verified, how, and whether a code waits to be typed."""
    return _out(await verification.status(uow=uow(), user_id=user_id))


@router.post("/users/{user_id}/approve", response_model=VerificationOut)
async def approve(uow: Uow, user_id: Id, body: ApproveIn) -> VerificationOut:
    """Line 1 approves a person by hand (they may file without a code); a second approval keeps the first."""
    return _out(await verification.approve(uow=uow(), user_id=user_id, approved_by=body.approved_by))
