"""Pages of the main window. Each page module registers itself at import time."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class PageSpec:
    key: str
    title: str  # Chinese source text; translated in the "nav" context
    factory: Callable  # factory(ctx) -> QWidget
    order: int = 50
    manager_only: bool = False
    icon: str = ""


PAGES: dict[str, PageSpec] = {}


def register_page(spec: PageSpec) -> PageSpec:
    PAGES[spec.key] = spec
    return spec


def ordered() -> list[PageSpec]:
    return sorted(PAGES.values(), key=lambda s: (s.order, s.key))
