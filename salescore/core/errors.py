"""The one domain error. Services raise it; pages show its message, the API turns it into JSON."""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    """A business rule refused the action.

    ``message`` is already translated (use gettext at the raise site), ``code`` is stable for
    API clients, ``fields`` maps a field name (or ``row N / column``) to what is wrong with it.
    """

    status = 400

    def __init__(
        self,
        message: str,
        *,
        code: str = "invalid",
        fields: dict[str, Any] | None = None,
        status: int | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = str(message)
        self.code = code
        self.fields = fields or {}
        # For pages only (e.g. the record a duplicate clashes with); the API shape stays fixed.
        self.extra = extra or {}
        if status is not None:
            self.status = status

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "fields": self.fields}


class ConflictError(ApplicationError):
    """Someone else saved the record since it was loaded (optimistic locking)."""

    status = 409


class PermissionDeniedError(ApplicationError):
    """The actor lacks a capability. Records outside scope raise Http404 instead."""

    status = 403
