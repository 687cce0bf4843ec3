"""Errors that reach a person carry a message key, never personal data.

`UserError.message(lang)` renders the text in the user's language. Parameters must be
non-personal (counts, field names, seconds, version numbers).
"""

from __future__ import annotations

from typing import Any

from app.messages import render


class UserError(Exception):
    key = "error.generic"

    def __init__(self, key: str | None = None, **params: Any) -> None:
        self.key = key or self.key
        self.params = params
        super().__init__(self.key)

    def message(self, lang: str = "zh_CN") -> str:
        return render(self.key, lang, **self.params)

    def __str__(self) -> str:  # English, for logs and tracebacks; never personal data
        return f"{self.key}: {render(self.key, 'en', **self.params)}"


class PermissionDenied(UserError):
    key = "error.permission"


class ValidationError(UserError):
    """A field failed validation. `field` names the field (not its value)."""

    key = "error.validation"

    def __init__(self, key: str | None = None, field: str | None = None, **params: Any) -> None:
        super().__init__(key, **params)
        self.field = field


class NotFound(UserError):
    key = "error.not_found"


class Conflict(UserError):
    key = "error.conflict"


class SignInError(UserError):
    key = "signin.wrong"


class StoreError(UserError):
    key = "store.unreadable"
