"""Service records (CAT-4): complaints, feedback, survey answers; retention from closing (RET-3)."""

import pytest

from app.erasure import erase_member
from app.errors import NotFound, ValidationError
from app.service_records import close_record, export_service_records, list_records, open_record
from tests.factories import make_member


def test_open_close_list(clerk, manager, clock):
    mid = make_member(manager)
    rid = open_record(clerk, mid, "complaint", "  退换货处理慢  ")
    assert manager.db.scalar("SELECT closed_at FROM service_records WHERE id = ?", (rid,)) is None
    clock.advance(days=3)
    close_record(clerk, rid)
    recs = list_records(clerk, mid)
    assert recs[0]["body"] == "退换货处理慢" and recs[0]["closed_at"].startswith("2026-11-05")
    open_record(clerk, mid, "survey", "满意度 5 分", closed=True)
    assert {r["kind"] for r in export_service_records(manager.db, mid)} == {"complaint", "survey"}
    with pytest.raises(ValidationError):
        close_record(clerk, rid)


def test_validation(manager):
    mid = make_member(manager)
    with pytest.raises(ValidationError):
        open_record(manager, mid, "rumour", "x")
    with pytest.raises(ValidationError):
        open_record(manager, mid, "feedback", "   ")
    with pytest.raises(ValidationError):
        open_record(manager, mid, "feedback", "字" * 2001)
    with pytest.raises(NotFound):
        open_record(manager, "nope", "feedback", "x")


def test_deleted_with_member_on_erasure(manager, paths):
    mid = make_member(manager)
    open_record(manager, mid, "feedback", "很好")
    erase_member(manager, mid, ledger_path=paths.erasure_ledger)
    assert manager.db.scalar("SELECT count(*) FROM service_records") == 0  # rule: RIG-3


def test_list_is_audited(manager):
    mid = make_member(manager)
    list_records(manager, mid)
    assert (
        manager.db.scalar(
            "SELECT count(*) FROM audit_log WHERE action = 'service_record.list' AND subject_id = ?", (mid,)
        )
        == 1
    )  # rule: SEC-2
