"""The API's own refusals and the one JSON error shape; below the app factory and every router."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        self.status, self.code, self.message, self.extra = status, code, message, extra


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, **extra}}


class ErrorDetail(BaseModel):
    model_config = ConfigDict(extra="allow")

    code: str = Field(examples=["validation_failed"])
    message: str
    fields: dict[str, str] | None = Field(default=None, description="422: the field (dotted path) -> why")
    request_id: str | None = Field(default=None, description="500: the id the log has the details under")


class ErrorOut(BaseModel):
    """Every error answer of the API has this shape."""

    error: ErrorDetail


def _doc(description: str) -> dict[str, Any]:
    return {"model": ErrorOut, "description": description}


# documented on every route of the API (the routers are mounted with them)
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: _doc("missing or wrong bearer token (checked before the body is read)"),
    403: _doc("the actor may not do this"),
    404: _doc("no such object"),
    409: _doc("the object's state does not allow it, or someone else acted first"),
    413: _doc("request body over the route's cap (API_MAX_BODY_MB, KB_IMPORT_MAX_MB)"),
    422: _doc("invalid input; `fields` names each invalid field"),
    500: _doc("unexpected error; `request_id` points to the log"),
    503: _doc("the database is unreachable or busy right now; retry after `Retry-After` seconds"),
}
