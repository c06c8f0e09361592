"""Domain errors: entry points map them to user texts or HTTP codes in one place."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error the domain raises on purpose."""

    code = "domain_error"

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(DomainError):
    code = "not_found"


class Conflict(DomainError):
    code = "conflict"


class IllegalTransition(Conflict):
    """An action that the ticket's status does not allow."""

    code = "illegal_transition"

    def __init__(self, *, status: str, action: str) -> None:
        super().__init__(f"action '{action}' is not allowed in status '{status}'", status=status, action=action)
        self.status = status
        self.action = action


class IdentityTaken(Conflict):
    """A login, e-mail or Telegram account that another person already has (one person per each, any case).

    `fields` maps each taken field ("login", "email", "tg_id") to a text for whoever typed it; `field` is the first.
    """

    code = "conflict"  # the code the admin API answered before this error had its own class; `fields` names it

    def __init__(self, fields: dict[str, str], message: str | None = None) -> None:
        super().__init__(message or " and ".join(fields) + " belongs to another person", fields=dict(fields))
        self.fields = dict(fields)
        self.field = next(iter(fields), "")


class Forbidden(DomainError):
    code = "forbidden"


class ValidationFailed(DomainError):
    """Bad or missing input; `fields` maps a field name to what it must contain."""

    code = "validation_failed"

    def __init__(self, message: str, *, fields: dict[str, str] | None = None) -> None:
        super().__init__(message, fields=fields or {})
        self.fields = fields or {}


class ContractRequired(DomainError):
    """The service needs a valid support period for the requester's organisation."""

    code = "contract_required"
