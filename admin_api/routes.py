"""Every router of the admin API, in the order they appear in /docs."""

from __future__ import annotations

from fastapi import APIRouter

ROUTERS: list[APIRouter] = []
