"""Console pages that stay small at chain scale (issue #19): stores paged with problems first, erasure
receipts counted (stores still to answer named only when few), request lists capped with totals."""

from __future__ import annotations

import re

from headoffice.console import views
from tests.headoffice.consoleutil import add_record, sample_data, signed_in


def test_stores_are_paged_with_problem_stores_first(ho):
    sample_data(ho)  # SH-001 has an alarm and a quarantined row
    with ho.storage.tx() as c:
        for i in range(248):
            c.execute("INSERT INTO stores(code, name, enrolled_at) VALUES (?, ?, ?)", (f"A{i:03d}", "x", ho.clock()))
    c = signed_in(ho, "audrey")
    first = c.get("/console/stores").text
    codes = re.findall(r'<a href="/console/stores/([^"]+)">', first)
    assert len(codes) == views.PAGE_SIZE and codes[0] == "SH-001"  # the alarmed store leads page 1
    assert "共 250 家门店：1 家有审计日志锚定告警，1 家有隔离行" in first and "第 1 / 3 页" in first
    last = c.get("/console/stores?page=3").text
    assert len(re.findall(r'<a href="/console/stores/([^"]+)">', last)) == 50 and "下一页" not in last
    assert (
        "第 3 / 3 页" in c.get("/console/stores?page=999").text
        and "第 1 / 3 页" in c.get("/console/stores?page=x").text
    )
    every = [s["code"] for p in (1, 2, 3) for s in views.stores_page(ho, p)["stores"]]
    assert sorted(every) == sorted(s["code"] for s in ho.list_stores())  # every store on exactly one page


def test_erasure_receipts_are_counted_and_few_missing_stores_named(ho):
    sample_data(ho)
    ho.file_erasure_order("m-x")
    with ho.storage.tx() as c:
        for i in range(20):
            c.execute("INSERT INTO stores(code, name, enrolled_at) VALUES (?, ?, ?)", (f"Z{i:02d}", "x", ho.clock()))
        for i in range(15):  # 15 of 22 enrolled stores answered: 7 still to answer, named
            c.execute(
                "INSERT INTO receipts(member_id, store, receipt, signature, received_at) VALUES ('m-x', ?, 'r', 's', 0)",
                (f"Z{i:02d}",),
            )
    row = next(r for r in views.erasures(ho) if r["member_id"] == "m-x")
    assert row["receipts"] == 15 and row["enrolled"] == 22 and row["missing_count"] == 7  # rule: RIG-3
    assert row["missing"] == ["BJ-002", "SH-001", "Z15", "Z16", "Z17", "Z18", "Z19"]
    ho.file_erasure_order("m-y")  # no receipt at all: 22 stores wait, counted, not listed
    row = next(r for r in views.erasures(ho) if r["member_id"] == "m-y")
    assert row["missing"] == [] and row["missing_count"] == 22
    page = signed_in(ho, "audrey").get("/console/erasures").text
    assert "22 家门店" in page and "15 / 22" in page


def test_request_lists_are_capped_with_their_totals(ho):
    sample_data(ho)
    for i in range(250):
        add_record(
            ho, "BJ-002", "request", f"R{i:03d}", {"type": "access", "status": "received", "due_on": "2027-01-01"}
        )
    import datetime as dt

    data = views.requests(ho, dt.date(2027, 1, 15))
    assert data["overdue_total"] == 251 and len(data["overdue"]) == 200  # REQ-OVERDUE + 250
    assert data["open_total"] == 253 and data["due_soon_total"] == 1
    page = signed_in(ho, "audrey").get("/console/requests").text
    assert "只显示最早到期的 200 条" in page and "(251)" in page
