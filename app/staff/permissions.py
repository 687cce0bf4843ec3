"""Roles and what they may do (SEC-1). Enforced in app/ services through Session.require().

Domain issues add their permissions with `grant(...)` at import time, next to their services.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar, cast

from app.errors import PermissionDenied

CLERK = "clerk"
MANAGER = "manager"
ROLES = (CLERK, MANAGER)

# permission -> roles allowed
_PERMS: dict[str, frozenset[str]] = {}


def grant(permission: str, *roles: str) -> str:
    for r in roles:
        if r not in ROLES:
            raise ValueError(f"unknown role {r}")
    _PERMS[permission] = frozenset(roles)
    return permission


def allowed(role: str, permission: str) -> bool:
    if permission not in _PERMS:
        raise KeyError(f"unknown permission {permission}")
    return role in _PERMS[permission]


def all_permissions() -> dict[str, frozenset[str]]:
    return dict(_PERMS)


# Foundation permissions.
STAFF_MANAGE = grant("staff.manage", MANAGER)
SETTINGS_CHANGE = grant("settings.change", MANAGER)
AUDIT_VERIFY = grant("audit.verify", MANAGER)
AUDIT_VIEW = grant("audit.view", MANAGER)
BACKUP_CREATE = grant("backup.create", CLERK, MANAGER)
BACKUP_RESTORE = grant("backup.restore", MANAGER)
STORE_REKEY = grant("store.rekey", MANAGER)
OWN_PASSWORD = grant("staff.own_password", CLERK, MANAGER)
# Only a verified head-office feed holds this one: no role has it, so `session.require(HEAD_OFFICE_FEED)`
# refuses every person (audited) when a feed applier is called without the feed's capability.
HEAD_OFFICE_FEED = grant("head_office.feed")


# -- the guard decorator (issue #14) ---------------------------------------------------------
_F = TypeVar("_F", bound=Callable[..., Any])


def requires(permission: str) -> Callable[[_F], _F]:
    """Check `session.require(permission)` (or `tx.session.require(...)`) before the body runs.

    The wrapper carries `__requires__ = permission`: tests/app/test_permission_matrix.py counts a
    function so marked as guarded."""

    def decorate(fn: _F) -> _F:
        sig = inspect.signature(fn)
        if "session" not in sig.parameters and "tx" not in sig.parameters:
            raise TypeError(f"@requires needs a session or tx parameter: {fn.__qualname__}")

        @functools.wraps(fn)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            bound = sig.bind_partial(*args, **kwargs).arguments
            session = bound.get("session")
            if session is not None:
                session.require(permission)  # a refusal is audited in its own transaction
            elif bound.get("tx") is not None:
                # inside a write: the refusal rolls the caller's transaction back (no second one can open)
                if not bound["tx"].session.can(permission):
                    raise PermissionDenied(action=permission)
            else:
                raise PermissionDenied(action=permission)
            return fn(*args, **kwargs)

        guarded.__requires__ = permission  # type: ignore[attr-defined]
        return cast(_F, guarded)

    return decorate


# -- the head-office feed's capability --------------------------------------------------------
_SEAL = object()
_mint_claimed = False


class VerifiedFeed:
    """Capability handed to the feed appliers (retention policy, holiday table, notices, config, erasure
    orders) for rows that came from the enrolled head office. Only the holder of the minter can make one,
    and app.sync.feeds claims it at import (`claim_feed_minter`); a person's session never holds it."""

    __slots__ = ("_seal", "store_code")

    def __init__(self, store_code: str, seal: object) -> None:
        if seal is not _SEAL:
            raise PermissionDenied(action=HEAD_OFFICE_FEED)
        self.store_code = store_code
        self._seal = seal


def claim_feed_minter() -> Callable[[str], VerifiedFeed]:
    """The one function that makes VerifiedFeed objects; handed out once (app.sync.feeds takes it)."""
    global _mint_claimed
    if _mint_claimed:
        raise RuntimeError("the head-office feed minter was claimed already (app.sync.feeds)")
    _mint_claimed = True
    return lambda store_code: VerifiedFeed(store_code, _SEAL)


def feed_verified(feed: object) -> bool:
    """True for a VerifiedFeed made by the minter (an object of any other kind is no capability)."""
    return isinstance(feed, VerifiedFeed) and getattr(feed, "_seal", None) is _SEAL
