"""Hypothesis stateful test (bounded): store writes, erasures at other stores and at head office,
offline spells longer than the tombstone horizon, resyncs. Every store converges with head office
and no erased member ever reappears (RIG-3)."""

from __future__ import annotations

import secrets
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from starlette.testclient import TestClient

from app.clock import FixedClock
from app.erasure import erase_member
from app.sync import SyncEngine
from headoffice.server import create_app
from headoffice.service import HeadOffice
from headoffice.storage import SQLiteStorage
from tests.app.syncutil import new_store

CODES = ["SH-001", "BJ-002", "GZ-003"]


class SyncMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="md-sync-sm-"))
        self.t = 1_800_000_000.0
        self.storage = SQLiteStorage(self.dir / "ho.db")
        self.ho = HeadOffice(self.storage, clock=lambda: self.t, horizon_days=30)
        self.client = TestClient(create_app(self.ho), base_url="http://testserver")
        self.clock = FixedClock()
        self.stores = {}
        for code in CODES:
            vault, session, paths = new_store(self.dir, code, self.clock)
            eng = SyncEngine.for_session(
                session, http=self.client, allow_plain_http=True, sleep=lambda s: None, ledger_path=paths.erasure_ledger
            )
            eng.enrol("http://testserver", code, self.ho.create_store(code, "门店"))
            self.stores[code] = {"vault": vault, "session": session, "paths": paths, "eng": eng, "online": True}
        self.n = 0

    def teardown(self):
        try:
            for s in self.stores.values():
                s["online"] = True
            for _ in range(3):
                for code in CODES:
                    self.stores[code]["eng"].sync_once()
            self.check_converged()
        finally:
            self.client.close()
            for s in self.stores.values():
                s["vault"].close()
            self.storage.close()
            shutil.rmtree(self.dir, ignore_errors=True)

    # -- helpers ----------------------------------------------------------------------
    def db(self, code):
        return self.stores[code]["session"].db

    def live(self, code) -> set[str]:
        return {r[0] for r in self.db(code).all("SELECT id FROM members")}

    def ledger(self, code) -> set[str]:
        return {r[0] for r in self.db(code).all("SELECT member_id FROM erasure_ledger")}

    def ho_erased(self) -> set[str]:
        with self.storage.read() as c:
            return {r[0] for r in c.all("SELECT member_id FROM erasures")}

    def ho_members(self, code) -> set[str]:
        with self.storage.read() as c:
            return {r[0] for r in c.all("SELECT entity_id FROM records WHERE store = ? AND entity = 'member'", (code,))}

    def everywhere_erased(self) -> set[str]:
        out = self.ho_erased()
        for code in CODES:
            out |= self.ledger(code)
        return out

    def check_converged(self):
        erased = self.ho_erased()
        for code in CODES:
            assert self.ledger(code) <= erased  # every erasure reached head office
            assert not (self.live(code) & erased)  # rule: RIG-3
            assert self.ho_members(code) == self.live(code)  # converged
            assert self.stores[code]["eng"] and self.db(code).scalar("SELECT count(*) FROM sync_inbox") == 0

    # -- rules ------------------------------------------------------------------------
    @rule(code=st.sampled_from(CODES), share=st.booleans())
    def register(self, code, share):
        session = self.stores[code]["session"]
        mid = secrets.token_hex(8)
        if share:  # the same customer, already known at another store and not erased anywhere
            known = (
                set().union(*(self.live(c) for c in CODES if c != code)) - self.live(code) - self.everywhere_erased()
            )
            if known:
                mid = sorted(known)[0]
        self.n += 1
        now = session.clock.now().isoformat(timespec="seconds")
        with session.write("member.create.test", "member", mid) as tx:
            tx.execute(
                "INSERT INTO members(id, member_no, name, mobile, registered_at, registered_store, updated_at)"
                " VALUES (?,?,?,?,?,?,?)",
                (mid, f"M{self.n:09d}", "测试", f"139{self.n:08d}", now, code, now),
            )
            tx.journal("member", mid, "upsert", {"name": "测试", "mobile": f"139{self.n:08d}"})

    @rule(code=st.sampled_from(CODES), data=st.data())
    def update(self, code, data):
        live = sorted(self.live(code))
        if not live:
            return
        mid = data.draw(st.sampled_from(live))
        with self.stores[code]["session"].write("member.update.test", "member", mid) as tx:
            tx.execute("UPDATE members SET restricted = 1 - restricted WHERE id = ?", (mid,))
            tx.journal("member", mid, "upsert", {"restricted": 1})

    @rule(code=st.sampled_from(CODES), data=st.data())
    def erase_at_store(self, code, data):
        live = sorted(self.live(code))
        if not live:
            return
        mid = data.draw(st.sampled_from(live))
        s = self.stores[code]
        erase_member(s["session"], mid, ledger_path=s["paths"].erasure_ledger)

    @rule(data=st.data())
    def erase_at_head_office(self, data):
        known = sorted(self.ho_members("SH-001") | self.ho_members("BJ-002") | self.ho_members("GZ-003"))
        if known:
            self.ho.file_erasure_order(data.draw(st.sampled_from(known)))

    @rule(code=st.sampled_from(CODES))
    def toggle_offline(self, code):
        self.stores[code]["online"] = not self.stores[code]["online"]

    @rule(code=st.sampled_from(CODES))
    def sync(self, code):
        if self.stores[code]["online"]:
            self.stores[code]["eng"].sync_once()

    @rule()
    def long_spell(self):
        """Time passes beyond the tombstone horizon and head office prunes its feed."""
        self.t += 40 * 86400
        self.ho.prune_feed()

    @invariant()
    def erased_never_at_head_office(self):
        for mid in self.ho_erased():
            with self.storage.read() as c:
                assert c.scalar("SELECT count(*) FROM records WHERE member_id = ?", (mid,)) == 0  # rule: RIG-3


TestSyncConverges = SyncMachine.TestCase
TestSyncConverges.settings = settings(
    max_examples=int(__import__("os").environ.get("MEMBERDESK_SM_EXAMPLES", "12")),
    stateful_step_count=18,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
