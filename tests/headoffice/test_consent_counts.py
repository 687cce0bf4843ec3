"""The consent figures kept by the upload apply equal a recount from the records, after any sequence of
uploads (full and partial upserts, deletes, a record moving to another member, erasures), on SQLite
and PostgreSQL; the back-fill builds the same figures from records an older head office holds."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from headoffice import consent_counts
from headoffice.service import HeadOffice
from headoffice.storage import PostgresStorage, SQLiteStorage
from tests.app.syncutil import HOClock, pg_dsn_or_skip, reset_pg
from tests.headoffice.conftest import T0

STORES = ("SA", "SB")
MEMBERS = ("m1", "m2", "m3", "m4")
PURPOSES = ("membership", "marketing", "offers")
VERSIONS = ("2026.1", "2027.1")
KINDS = ("registration", "reconsent", "withdrawal", "grant")
EIDS = tuple(f"c{i}" for i in range(6))

decisions = st.dictionaries(st.sampled_from(PURPOSES), st.booleans(), min_size=1, max_size=3)
at = st.integers(1, 6).map(lambda d: f"2027-01-0{d}T10:00:00")
full = st.fixed_dictionaries(
    {"kind": st.sampled_from(KINDS), "notice_version": st.sampled_from(VERSIONS), "decisions": decisions, "at": at}
)
partial = st.one_of(
    st.fixed_dictionaries({"decisions": decisions}),
    st.fixed_dictionaries({"at": at}),
    st.fixed_dictionaries({"kind": st.sampled_from(KINDS)}),
    st.fixed_dictionaries({"notice_version": st.sampled_from(VERSIONS)}),
)
op = st.one_of(
    st.tuples(st.just("upsert"), st.sampled_from(EIDS), st.sampled_from(MEMBERS), full),
    st.tuples(st.just("upsert"), st.sampled_from(EIDS), st.sampled_from(MEMBERS), partial),
    st.tuples(st.just("delete"), st.sampled_from(EIDS), st.sampled_from(MEMBERS), st.just({})),
    st.tuples(st.just("erase"), st.just(""), st.sampled_from(MEMBERS), st.just({})),
)
batches = st.lists(st.tuples(st.sampled_from(STORES), st.lists(op, min_size=1, max_size=5)), min_size=1, max_size=8)


def recount(ho) -> dict[tuple, int]:
    """Independent of headoffice/consent_counts: decrypt every consent record, take each member's latest
    decision per purpose by (at, store, record id), count per (store, version, purpose, state); members per
    (store, version) of their latest registration or re-consent under the key ("#", store, version)."""
    by_member: dict[str, list] = {}
    for rec in ho.records(entity="consent"):
        if rec["member_key"]:
            by_member.setdefault(rec["member_key"], []).append(rec)
    out: dict[tuple, int] = {}
    for recs in by_member.values():
        latest: dict[str, tuple] = {}
        member = None
        for rec in recs:
            p = rec["payload"]
            order = (str(p.get("at") or ""), rec["store"], rec["entity_id"])
            version = str(p.get("notice_version") or "-")
            for purpose, granted in (p.get("decisions") or {}).items():
                state = "granted" if granted else ("withdrawn" if p.get("kind") == "withdrawal" else "refused")
                if purpose not in latest or latest[purpose][0] <= order:
                    latest[purpose] = (order, (rec["store"], version, purpose, state))
            if p.get("kind") in ("registration", "reconsent") and (member is None or member[0] <= order):
                member = (order, ("#", rec["store"], version))
        for _order, key in latest.values():
            out[key] = out.get(key, 0) + 1
        if member is not None:
            out[member[1]] = out.get(member[1], 0) + 1
    return out


def aggregate(ho) -> dict[tuple, int]:
    with ho.storage.read() as c:
        rows = c.all("SELECT store, version, purpose, state, n FROM consent_counts")
        vrows = c.all("SELECT store, version, n FROM consent_versions")
    out = {(r[0], r[1], r[2], r[3]): int(r[4]) for r in rows if int(r[4])}
    out.update({("#", r[0], r[1]): int(r[2]) for r in vrows if int(r[2])})
    return out


def wipe(ho) -> None:
    with ho.storage.tx() as c:
        for table in (
            "records",
            "erasures",
            "quarantine",
            "feed",
            "receipts",
            "consent_members",
            "consent_counts",
            "consent_versions",
        ):
            c.execute(f"DELETE FROM {table}")
        c.execute("UPDATE stores SET hwm = 0")


def upload_all(ho, plan) -> None:
    seqs = {s: 0 for s in STORES}
    for store, ops in plan:
        rows = []
        for kind, eid, member, payload in ops:
            seqs[store] += 1
            if kind == "erase":
                row = {"entity": "erasure", "entity_id": member, "op": "erase", "member_id": member}
                row["payload"] = {"erased_at": "2027-01-09T00:00:00Z", "reason": "request"}
            else:
                row = {"entity": "consent", "entity_id": eid, "op": kind, "member_id": member}
                row["payload"] = {**payload, "member_id": member} if kind == "upsert" else {}
            rows.append({"seq": seqs[store], **row})
        ho.upload(store, {"after": seqs[store] - len(rows), "rows": rows})


def run_property(ho, max_examples: int) -> None:
    @settings(max_examples=max_examples, deadline=None, suppress_health_check=list(HealthCheck))
    @given(batches)
    def prop(plan):
        wipe(ho)
        upload_all(ho, plan)
        want = recount(ho)
        assert aggregate(ho) == want  # rule: CON-3
        with ho.storage.tx() as c:  # the back-fill builds the same figures from the records alone
            c.execute("DELETE FROM ho_meta WHERE key = ?", (consent_counts.META_KEY,))
            consent_counts.backfill(ho.keys, c)
        assert aggregate(ho) == want

    prop()


def _ho(kind: str, tmp_path):
    if kind == "sqlite":
        storage = SQLiteStorage(tmp_path / "ho.db")
    else:
        dsn = pg_dsn_or_skip()
        reset_pg(dsn)
        storage = PostgresStorage(dsn, pool_size=2)
    ho = HeadOffice(storage, clock=HOClock(T0))
    for s in STORES:
        ho.create_store(s, s)
    return ho


@pytest.mark.parametrize(
    ("kind", "examples"), [("sqlite", 60), pytest.param("postgresql", 25, marks=pytest.mark.postgres)]
)
def test_aggregate_equals_a_recount_after_any_uploads(kind, examples, tmp_path):
    ho = _ho(kind, tmp_path)
    try:
        run_property(ho, examples)
    finally:
        ho.storage.close()


def test_one_member_moving_from_granted_to_withdrawn_moves_one_count(tmp_path):
    from headoffice.console import views

    ho = _ho("sqlite", tmp_path)
    try:
        reg = {"kind": "registration", "notice_version": "2026.1", "at": "2027-01-01T10:00:00"}
        upload_all(
            ho,
            [
                ("SA", [("upsert", "r1", "m1", {**reg, "decisions": {"marketing": True, "membership": True}})]),
                ("SA", [("upsert", "r2", "m2", {**reg, "decisions": {"marketing": True, "membership": True}})]),
            ],
        )
        before = {(r["version"], r["purpose"]): r for r in views.consent(ho)["rows"]}
        assert before[("2026.1", "marketing")]["granted"] == 2
        wd = {"kind": "withdrawal", "notice_version": "2026.1", "at": "2027-01-05T10:00:00"}
        ho.upload(
            "SB",
            {
                "after": 0,
                "rows": [
                    {
                        "seq": 1,
                        "entity": "consent",
                        "entity_id": "w1",
                        "op": "upsert",
                        "member_id": "m1",
                        "payload": {**wd, "decisions": {"marketing": False}},
                    }
                ],
            },
        )
        after = {(r["version"], r["purpose"]): r for r in views.consent(ho)["rows"]}
        assert (after[("2026.1", "marketing")]["granted"], after[("2026.1", "marketing")]["withdrawn"]) == (
            1,
            1,
        )  # rule: CON-3
        assert after[("2026.1", "membership")]["granted"] == 2
        assert views.consent(ho, ["SB"])["rows"] == [
            {"version": "2026.1", "purpose": "marketing", "granted": 0, "refused": 0, "withdrawn": 1}
        ]
        ho.file_erasure_order("m1")
        gone = {(r["version"], r["purpose"]): r for r in views.consent(ho)["rows"]}
        assert (gone[("2026.1", "marketing")]["granted"], gone[("2026.1", "marketing")]["withdrawn"]) == (1, 0)
        assert gone[("2026.1", "membership")]["granted"] == 1  # an erased member is counted nowhere  # rule: RIG-3
        with ho.storage.read() as c:
            assert c.scalar("SELECT count(*) FROM consent_members") == 1  # m2 only
    finally:
        ho.storage.close()


# -- the requests' index (console requests pages) follows the records the same way ---------------------
req_full = st.fixed_dictionaries(
    {
        "type": st.sampled_from(("access", "delete", "correct")),
        "status": st.sampled_from(("received", "verified", "completed", "refused")),
        "due_on": st.integers(1, 28).map(lambda d: f"2027-01-{d:02d}"),
    }
)
req_partial = st.one_of(
    st.fixed_dictionaries({"status": st.sampled_from(("received", "completed", "withdrawn"))}),
    st.fixed_dictionaries({"due_on": st.integers(1, 28).map(lambda d: f"2027-02-{d:02d}")}),
)
req_op = st.one_of(
    st.tuples(st.just("upsert"), st.sampled_from(EIDS), st.sampled_from(MEMBERS), st.one_of(req_full, req_partial)),
    st.tuples(st.just("delete"), st.sampled_from(EIDS), st.sampled_from(MEMBERS), st.just({})),
    st.tuples(st.just("erase"), st.just(""), st.sampled_from(MEMBERS), st.just({})),
)
req_batches = st.lists(
    st.tuples(st.sampled_from(STORES), st.lists(req_op, min_size=1, max_size=5)), min_size=1, max_size=8
)


def upload_requests(ho, plan) -> None:
    seqs = {s: 0 for s in STORES}
    for store, ops in plan:
        rows = []
        for kind, eid, member, payload in ops:
            seqs[store] += 1
            if kind == "erase":
                row = {"entity": "erasure", "entity_id": member, "op": "erase", "member_id": member}
                row["payload"] = {"erased_at": "2027-01-09T00:00:00Z", "reason": "request"}
            else:
                row = {"entity": "request", "entity_id": eid, "op": kind, "member_id": member, "payload": payload}
            rows.append({"seq": seqs[store], **row})
        ho.upload(store, {"after": seqs[store] - len(rows), "rows": rows})


def test_request_index_equals_the_records_after_any_uploads(tmp_path):
    from headoffice import request_index
    from headoffice.service import CLOSED_REQUEST_STATES

    assert set(request_index.CLOSED) == CLOSED_REQUEST_STATES
    ho = _ho("sqlite", tmp_path)

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(req_batches)
    def prop(plan):
        wipe(ho)
        with ho.storage.tx() as c:
            c.execute("DELETE FROM request_index")
        upload_requests(ho, plan)
        want = sorted(
            (r["store"], r["entity_id"], r["member_key"], *request_index.row_of("", "", None, r["payload"], 0)[3:8])
            for r in ho.records(entity="request")
        )
        with ho.storage.read() as c:
            got = sorted(
                tuple(r)
                for r in c.all(
                    "SELECT store, request_id, member_key, type, status, is_open, outcome, due_date FROM request_index"
                )
            )
        assert want == got  # rule: RIG-3
        today = "2027-01-15"
        overdue = {(r["store"], r["request_id"]) for r in ho.overdue_requests(today)}
        with ho.storage.read() as c:
            rows = request_index.open_requests(c, overdue_before=today, limit=10_000)["rows"]
        assert {(r["store"], r["request_id"]) for r in rows} == overdue  # rule: RIG-2

    try:
        prop()
    finally:
        ho.storage.close()
