"""FastAPI app factory: bearer auth on every route but /healthz, capped bodies, one error mapping."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi_offline import FastAPIOffline
from starlette.exceptions import HTTPException as StarletteHTTPException

from admin_api import i18n
from admin_api.deps import ApiServices, AppSettings
from admin_api.errors import ERROR_RESPONSES, ApiError, error_body
from admin_api.guard import BodyGuard, BodyTooLarge, CatchAll
from core.errors import Conflict, ContractRequired, DomainError, Forbidden, NotFound, ValidationFailed
from core.text import printable

__all__ = ["ApiError", "create_app", "error_body"]  # ApiError and error_body stay importable from here

STATUS: dict[type[DomainError], int] = {NotFound: 404, ValidationFailed: 422, Conflict: 409, Forbidden: 403,
                                        ContractRequired: 422}
bearer = HTTPBearer(auto_error=False)
MB = 1024 * 1024
KB_IMPORT_PATH = "/api/v1/kb/import"


def require_token(settings: AppSettings, creds: HTTPAuthorizationCredentials | None = Depends(bearer)) -> None:
    """Constant-time comparison of the bearer token."""
    expected = settings.admin_api_token.get_secret_value()
    given = creds.credentials if creds and creds.scheme.lower() == "bearer" else ""
    if not secrets.compare_digest(given.encode(), expected.encode()):
        raise ApiError(401, "unauthorized", "missing or wrong bearer token")


def _domain_status(exc: DomainError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def _field_name(loc: tuple[Any, ...]) -> str:
    # a key of the body is the client's text: one with a lone surrogate must not break the error answer itself
    return printable(".".join(str(p) for p in loc if p not in ("body", "query", "path"))) or "body"


def _unparsable(exc: StarletteHTTPException) -> str | None:
    """Why FastAPI could not parse a JSON body (its 400 hides the cause), when the cause is hostile input."""
    cause = exc.__cause__
    if isinstance(cause, RecursionError):
        return "вложенность JSON слишком глубокая"
    if isinstance(cause, UnicodeDecodeError):
        return f"тело запроса не в кодировке UTF-8 (байт {cause.start})"
    return None


def create_app(services: ApiServices) -> FastAPI:
    """Builds the admin API over the services its routes use (see admin_api.deps)."""
    # Swagger UI (/docs) and ReDoc (/redoc) with their assets served from fastapi-offline's package, not a CDN
    app = FastAPIOffline(title="Support desk admin API", version="1.0", docs_url="/docs", redoc_url="/redoc",
                         static_url="/docs-assets")
    app.state.services = services
    settings = services.settings
    app.add_middleware(BodyGuard, token=settings.admin_api_token.get_secret_value(),
                       default_limit=int(settings.api_max_body_mb * MB),
                       limits={KB_IMPORT_PATH: int(settings.kb_import_max_mb * MB)})
    app.add_middleware(CatchAll)  # added last = outermost: it also covers BodyGuard

    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return JSONResponse(error_body(exc.code, exc.message, **exc.extra), status_code=exc.status, headers=headers)

    @app.exception_handler(DomainError)
    async def _domain_error(request: Request, exc: DomainError) -> JSONResponse:
        extra: dict[str, Any] = {}
        fields = exc.fields if isinstance(exc, ValidationFailed) else exc.details.get("fields")
        if fields and isinstance(fields, dict):
            extra["fields"] = fields  # a 409 may name the field too (a login or Telegram account taken)
        status = _domain_status(exc)
        message = i18n.domain_message(exc.message, status, i18n.language(request), extra.get("fields"))
        return JSONResponse(error_body(exc.code, message, **extra), status_code=status)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        lang = i18n.language(request)
        fields: dict[str, str] = {}
        for e in exc.errors():
            name = _field_name(tuple(e["loc"]))
            reason = i18n.field_reason(e, lang)
            # several errors on one field are all kept
            fields[name] = f"{fields[name]}; {reason}" if name in fields else reason
        return JSONResponse(error_body("validation_failed", i18n.validation_message(fields, lang), fields=fields),
                            status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        reason = _unparsable(exc) if exc.status_code == 400 else None
        if reason:
            return JSONResponse(error_body("validation_failed", f"invalid request: {reason}", fields={"body": reason}),
                                status_code=422)
        if isinstance(exc, BodyTooLarge):
            return JSONResponse(error_body(exc.code, str(exc.detail), limit=exc.limit), status_code=413)
        return JSONResponse(error_body(f"http_{exc.status_code}", str(exc.detail)), status_code=exc.status_code,
                            headers=exc.headers)

    @app.get("/healthz", tags=["health"])
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    from admin_api.routes import ROUTERS

    for router in ROUTERS:
        app.include_router(router, prefix="/api/v1", dependencies=[Depends(require_token)],
                           responses=ERROR_RESPONSES)
    return app
