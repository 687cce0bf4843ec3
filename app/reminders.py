"""What is due or overdue, shown to managers at sign-in and on the home page.

Domains register providers: fn(db, today) -> list[Reminder]. Texts are message keys (zh/en)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeAlias

from app.messages import render

if TYPE_CHECKING:
    from app.storage.db import Queries

log = logging.getLogger("memberdesk.reminders")


@dataclass
class Reminder:
    key: str
    params: dict[str, Any] = field(default_factory=dict)
    level: str = "info"  # info | due | overdue
    page: str = ""  # page key to open

    def text(self, lang: str) -> str:
        return render(self.key, lang, **self.params)


Provider: TypeAlias = "Callable[[Queries, dt.date], list[Reminder] | None]"
_PROVIDERS: dict[str, Provider] = {}


def register_provider(name: str, fn: Provider) -> None:
    _PROVIDERS[name] = fn


def collect(db: Queries, today: dt.date) -> list[Reminder]:
    out: list[Reminder] = []
    for name, fn in list(_PROVIDERS.items()):
        try:
            out.extend(fn(db, today) or [])
        except Exception as exc:  # noqa: BLE001 - one broken provider must not hide the others
            log.error("reminder provider %s failed: %s", name, type(exc).__name__)
    order = {"overdue": 0, "due": 1, "info": 2}
    return sorted(out, key=lambda r: order.get(r.level, 3))
