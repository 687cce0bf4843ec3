"""Every domain package, imported once, so their permissions, messages, erasers and exporters register.

Call `load_all()` once at start-up (the UI, the admin tool and the tests do): importing this module is what
loads them; the function names the moment in the caller's code."""

from types import ModuleType

import app.calendar
import app.disclosures
import app.erasure
import app.evidence
import app.flows.adoption
import app.flows.merge
import app.members.search
import app.members.service
import app.notices
import app.originals
import app.printing
import app.purchases.pos_folder
import app.purchases.records
import app.reminders
import app.requests
import app.retention
import app.scans
import app.service_records
import app.sync

DOMAINS: tuple[ModuleType, ...] = (
    app.erasure,
    app.calendar,
    app.notices,
    app.members.service,
    app.members.search,
    app.reminders,
    app.requests,
    app.scans,
    app.originals,
    app.purchases.records,
    app.purchases.pos_folder,
    app.service_records,
    app.disclosures,
    app.retention,
    app.printing,
    app.sync,
    app.flows.adoption,
    app.evidence,
    app.flows.merge,
)


def load_all() -> tuple[ModuleType, ...]:
    """The domain modules (already imported with this module)."""
    return DOMAINS
