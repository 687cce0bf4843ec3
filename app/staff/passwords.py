"""The rules for staff user names and passwords (sign-in set-up, new staff, password changes)."""

from __future__ import annotations

import re

from app.errors import ValidationError

USERNAME_RE = re.compile(r"^[A-Za-z0-9._-]{2,32}$")
MIN_PASSWORD = 8


def check_username(username: str) -> str:
    username = (username or "").strip()
    if not USERNAME_RE.match(username):
        raise ValidationError("signin.username_invalid", field="username")
    return username


def check_password(password: str, username: str) -> None:
    if len(password or "") < MIN_PASSWORD or password.strip().lower() == (username or "").strip().lower():
        raise ValidationError("signin.password_weak", field="password", min=MIN_PASSWORD)
