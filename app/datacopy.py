"""The registry of the customer's data copy (RIG-6): which categories a copy has, and who reads each.

It sits low, beside app.erasure, so every domain can add its category without importing the requests
domain that builds the copy (app.requests.export): `register_exporter("purchases", fn, ("购买记录",
"Purchases"))`, `fn(db, member_id) -> list[dict]` (JSON-safe values, sensitive fields as the domain decides).
"""

from __future__ import annotations

from collections.abc import Callable

CATEGORIES: dict[str, tuple[str, str]] = {  # the order of the copy
    "profile": ("基本信息", "Profile"),
    "consents": ("同意记录（含告知书版本）", "Consents (with notice versions)"),
    "purchases": ("购买记录", "Purchases"),
    "scans": ("纸质表单扫描件清单", "Scanned paper forms (list)"),
    "service_records": ("服务记录", "Service records"),
    "disclosures": ("向第三方提供记录", "Disclosures to third parties"),
    "requests": ("个人信息权利申请", "Requests"),
}
_EXPORTERS: dict[str, Callable] = {}


def register_exporter(category: str, fn: Callable, title: tuple[str, str] | None = None) -> None:
    """fn(db, member_id) -> list[dict]. Registering a category replaces the generic fallback."""
    _EXPORTERS[category] = fn
    if title:
        CATEGORIES[category] = title
    elif category not in CATEGORIES:
        CATEGORIES[category] = (category, category)


def exporter(category: str) -> Callable | None:
    """The registered reader of a category, or None (the copy then uses its generic reader)."""
    return _EXPORTERS.get(category)
