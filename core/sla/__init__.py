"""Pure SLA engine: business calendars, policies and deadline computation (no database)."""

from core.sla.calendar import BusinessCalendar

__all__ = ["BusinessCalendar"]
