"""Import every domain package so their permissions, messages, erasers and exporters register.

Call `load_all()` once at start-up (the UI, the admin tool and the tests do)."""
import importlib

DOMAINS = [
    "app.erasure",
    "app.calendar",
    "app.notices",
    "app.members.service",
    "app.members.search",
    "app.reminders",
    "app.requests",
    "app.scans",
    "app.originals",
    "app.purchases",
    "app.pos_folder",
    "app.service_records",
    "app.disclosures",
    "app.retention",
    "app.printing",
    "app.sync",
]


def load_all() -> None:
    for name in DOMAINS:
        importlib.import_module(name)
