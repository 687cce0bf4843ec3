"""Roles and what they may do (SEC-1). Enforced in app/ services through Session.require().

Domain issues add their permissions with `grant(...)` at import time, next to their services.
"""

from __future__ import annotations

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
