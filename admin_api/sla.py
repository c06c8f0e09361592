"""Admin API: sla routes."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
