"""Helpers for the console tests: a head office with console users, signed-in clients, sample data."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

from headoffice import atrest, consent_counts, request_index
from headoffice.console.accounts import ConsoleAccounts
from headoffice.server import create_app

PASSWORDS = {"alice": "Compliance-pass-1", "ivan": "It-staff-pass-22", "audrey": "Auditor-pass-333"}
ROLES = {"alice": "compliance", "ivan": "it", "audrey": "auditor"}


def add_users(storage, clock) -> ConsoleAccounts:
    acc = ConsoleAccounts(storage, clock=clock)
    for user, role in ROLES.items():
        acc.add_user(user, role, PASSWORDS[user])
    return acc


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def signin(client: TestClient, user: str, password: str | None = None):
    page = client.get("/console/signin")
    return client.post(
        "/console/signin",
        data={
            "csrf": csrf_of(page.text),
            "username": user,
            "password": PASSWORDS[user] if password is None else password,
        },
        follow_redirects=False,
    )


def signed_in(ho, user: str, base_url: str = "https://testserver") -> TestClient:
    c = TestClient(create_app(ho), base_url=base_url)
    r = signin(c, user)
    assert r.status_code == 303, r.text
    return c


def feed_count(ho) -> int:
    with ho.storage.read() as c:
        return int(c.scalar("SELECT count(*) FROM feed", (), 0))


def add_record(ho, store: str, entity: str, eid: str, payload: dict, member_id: str | None = None) -> None:
    with ho.storage.tx() as c:
        c.execute(
            "INSERT INTO records(store, entity, entity_id, member_id, op, payload, seq, received_at)"
            " VALUES (?,?,?,?,?,?,?,?)",
            (
                store,
                entity,
                eid,
                ho.keys.bidx(c, "member", member_id),
                "upsert",
                ho._seal(c, payload, atrest.record_aad(store, entity, eid)),  # as an upload stores it (STO-1)
                1,
                ho.clock(),
            ),
        )
        # what the upload apply does beside the row: the console's consent figures and requests' index
        if entity == "consent":
            consent_counts.refresh(ho.keys, c, [ho.keys.bidx(c, "member", member_id)])
        if entity == "request":
            request_index.note(
                c, [request_index.row_of(store, eid, ho.keys.bidx(c, "member", member_id), payload, ho.clock())]
            )


def sample_data(ho) -> None:
    """Two stores: SH-001 with a quarantined row and an audit alarm, requests open/soon/overdue, consent."""
    ho.create_store("SH-001", "上海南京路店")
    ho.create_store("BJ-002", "北京王府井店")
    with ho.storage.tx() as c:
        c.execute(
            "UPDATE stores SET enrolled_at = ?, last_upload = ?, last_pull = ?, pending = 3, audit_seq = 41"
            " WHERE code = 'SH-001'",
            (ho.clock(), ho.clock() - 600, ho.clock() - 300),
        )
        c.execute("UPDATE stores SET enrolled_at = ? WHERE code = 'BJ-002'", (ho.clock(),))
    with ho.storage.tx() as c:
        ho._quarantine(c, "SH-001", 17, "member", "m-erased", "m-erased", "member_erased", ho.clock())
        ho._audit_head(c, "SH-001", (41, "a" * 64))
        ho._audit_head(c, "SH-001", (12, "b" * 64))  # a step back (the older head check)
        # the anchoring alarm (SEC-2): head office held entry 41, the store now shows a chain that ends at 12
        c.execute(
            "INSERT INTO audit_alarms(store, kind, anchored_seq, anchored_hash, store_seq, detected_at)"
            " VALUES ('SH-001', 'truncation', 41, ?, 12, ?)",
            ("a" * 64, ho.clock()),
        )
        ho._audit(
            c,
            "SH-001",
            "audit.anchor.alarm",
            "SH-001",
            "truncation",
            {"kind": "truncation", "anchored_seq": 41, "store_seq": 12, "base_seq": 0},
        )
    # ho.clock() is 2027-01-15 (China time) in these tests
    add_record(ho, "SH-001", "request", "REQ-OVERDUE", {"type": "delete", "status": "received", "due_on": "2027-01-05"})
    add_record(ho, "SH-001", "request", "REQ-SOON", {"type": "access", "status": "verified", "due_on": "2027-01-17"})
    add_record(ho, "BJ-002", "request", "REQ-LATER", {"type": "correct", "status": "received", "due_on": "2027-02-10"})
    add_record(ho, "BJ-002", "request", "REQ-DONE", {"type": "access", "status": "completed", "due_on": "2027-01-02"})
    for mid, version, kind, decisions, at in [
        ("m1", "2026.1", "registration", {"membership": True, "marketing": True}, "2026-05-01"),
        ("m2", "2026.1", "registration", {"membership": True, "marketing": False}, "2026-05-02"),
        ("m1", "2026.1", "withdrawal", {"marketing": False}, "2026-06-01"),
        ("m3", "2027.1", "registration", {"membership": True, "marketing": True}, "2027-01-10"),
    ]:
        add_record(
            ho,
            "SH-001",
            "consent",
            f"{mid}-{at}",
            {"member_id": mid, "kind": kind, "notice_version": version, "decisions": decisions, "at": at},
            member_id=mid,
        )
