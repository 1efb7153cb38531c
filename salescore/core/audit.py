"""Who is acting, from where: the context every audit row is stamped with.

Requests set it in middleware, Celery tasks and management commands with ``audit_context``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class AuditContext:
    origin: str = "system"  # web, api, task, cli, system
    request: Any = None
    actor: Any = None
    ip: str | None = None
    user_agent: str = ""

    def resolve_actor(self):
        if self.actor is not None:
            return self.actor
        user = getattr(self.request, "user", None)
        if user is not None and getattr(user, "is_authenticated", False):
            return user
        return None


_SYSTEM = AuditContext()
_current: ContextVar[AuditContext | None] = ContextVar("salescore_audit", default=None)


def current() -> AuditContext:
    return _current.get() or _SYSTEM


@contextlib.contextmanager
def audit_context(
    *, origin: str, actor=None, request=None, ip: str | None = None, user_agent: str = ""
) -> Iterator[AuditContext]:
    ctx = AuditContext(origin=origin, request=request, actor=actor, ip=ip, user_agent=user_agent)
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)
