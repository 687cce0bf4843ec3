"""Reading the audit log (SEC-1, SEC-2): a manager's view, export and chain check, each itself audited.

The log holds who did what to which record (ids, counts, field names; never a personal value), but who
looked at whom is itself sensitive: only audit.view may list or export it, audit.verify may check the
chain. Nothing else in app/ hands out audit rows to a person.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from app.audit import chain, journal
from app.staff import permissions as P
from app.staff.session import Session

COLUMNS = ("seq", "ts", "staff_id", "terminal", "action", "subject_type", "subject_id", "details", "hash")
MAX_ROWS = 1000


def list_entries(
    session: Session,
    *,
    after_seq: int = 0,
    limit: int = 200,
    action: str | None = None,
    subject_id: str | None = None,
) -> list[dict[str, Any]]:
    """Entries after `after_seq` (oldest first, at most MAX_ROWS), optionally of one action or subject.
    Manager (audit.view); the viewing is audited."""
    session.require(P.AUDIT_VIEW)
    journal.take_in_now(session.db)  # reads still in the read-audit journal are shown too (SEC-2)
    where: list[str] = ["seq > ?"]
    params: list[Any] = [int(after_seq)]
    if action:
        where.append("action = ?")
        params.append(action)
    if subject_id:
        where.append("subject_id = ?")
        params.append(subject_id)
    n = max(1, min(int(limit), MAX_ROWS))
    rows = session.db.all(
        f"SELECT {', '.join(COLUMNS)} FROM audit_log WHERE {' AND '.join(where)} ORDER BY seq LIMIT ?",
        (*params, n),
    )
    out = [{c: r[i] for i, c in enumerate(COLUMNS)} for r in rows]
    for e in out:
        e["details"] = json.loads(e["details"] or "{}")
    session.audit_read(
        "audit.view", details={"after_seq": int(after_seq), "rows": len(out), "filtered": bool(action or subject_id)}
    )
    return out


def export_csv(session: Session, *, after_seq: int = 0) -> bytes:
    """Every entry after `after_seq` as CSV bytes (UTF-8 with BOM, for a spreadsheet), in memory.
    Manager (audit.view); the export is audited."""
    session.require(P.AUDIT_VIEW)
    journal.take_in_now(session.db)  # the export holds every read, journalled ones too (SEC-2)
    rows = session.db.all(f"SELECT {', '.join(COLUMNS)} FROM audit_log WHERE seq > ? ORDER BY seq", (int(after_seq),))
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(COLUMNS)
    writer.writerows(tuple(r) for r in rows)
    session.audit_read("audit.export", details={"after_seq": int(after_seq), "rows": len(rows), "format": "csv"})
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def verify_chain(session: Session) -> chain.VerifyResult:
    """Check the hash chain (audit.verify, manager); the check is audited."""
    session.require(P.AUDIT_VERIFY)
    journal.take_in_now(session.db)
    result = chain.verify(session.db)
    session.audit_read("audit.verify", details={"ok": result.ok, "entries": result.entries})
    return result
