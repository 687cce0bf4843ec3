"""The console's evidence pack page (issue #19): build for a period and stores, download the PDF and the
bundle (builder only, audited), personal data only for auditor/compliance with a reason."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile

import pytest
from pypdf import PdfReader

from app.evidence.bundle import read_bundle, verify_bundle
from app.evidence.model import SECTIONS
from headoffice.service import HeadOffice
from headoffice.storage import SQLiteStorage
from tests.app.syncutil import HOClock
from tests.headoffice.consoleutil import add_record, add_users, csrf_of, sample_data, signed_in

T0 = dt.datetime(2027, 1, 15, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))).timestamp()


@pytest.fixture
def hoc():
    return HOClock(T0)


@pytest.fixture
def ho(tmp_path, hoc):
    storage = SQLiteStorage(tmp_path / "ho.db")
    h = HeadOffice(storage, clock=hoc)
    add_users(storage, hoc)
    sample_data(h)
    with storage.tx() as c:
        c.execute(
            "INSERT INTO erasures(member_id, erased_at, origin_store, reason, request_id, received_at)"
            " VALUES ('m2', '2026-12-20T10:00:00+08:00', 'SH-001', 'request', 'REQ-X', ?)",
            (hoc(),),
        )
    add_record(
        h,
        "SH-001",
        "evidence_summary",
        "2027-01",
        {
            "month": "2027-01",
            "sections": {
                "requests": {
                    "rows": [
                        {
                            "request_id": "REQ-OVERDUE",
                            "ref": "SH-001-20261215-001",
                            "received_on": "2026-12-15",
                            "closed_on": None,
                            "store": "SH-001",
                        },
                    ]
                },
                "sensitive_access": {
                    "rows": [
                        {
                            "store": "SH-001",
                            "staff_ref": "s-1234abcd",
                            "role": "manager",
                            "action": "member.reveal",
                            "reason": "legal",
                            "count": 2,
                        }
                    ]
                },
                "staff": {
                    "rows": [{"store": "SH-001", "staff_ref": "s-1234abcd", "role": "manager", "status": "active"}]
                },
            },
        },
    )
    yield h
    storage.close()


def build(client, **form):
    page = client.get("/console/evidence")
    assert page.status_code == 200
    data = {"csrf": csrf_of(page.text), "from": "2026-01-01", "to": "2027-01-15", **form}
    return client.post("/console/evidence", data=data)


def links(html: str) -> tuple[str, str]:
    import re

    pdf = re.search(r'id="evidence-pdf" href="([^"]+)"', html).group(1)
    zip_ = re.search(r'id="evidence-zip" href="([^"]+)"', html).group(1)
    return pdf, zip_


def audit(ho, action: str) -> list[tuple]:
    with ho.storage.read() as c:
        return c.all("SELECT actor, subject, details FROM ho_audit WHERE action = ? ORDER BY id", (action,))


def test_every_role_builds_and_downloads_a_pack(ho):
    for user in ("audrey", "ivan", "alice"):
        c = signed_in(ho, user)
        r = build(c, **{"store:SH-001": "1"})
        assert r.status_code == 200 and 'id="evidence-ready"' in r.text
        pdf_url, zip_url = links(r.text)
        pdf = c.get(pdf_url)
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        assert pdf.headers["content-type"] == "application/pdf" and "attachment" in pdf.headers["content-disposition"]
        bundle = c.get(zip_url).content
        assert verify_bundle(bundle) == []
        pack = read_bundle(bundle)
        assert pack["stores"] == ["SH-001"] and pack["generated_by"] == user
    sec = pack["sections"]
    overdue = next(r for r in sec["requests"]["rows"] if r["request_id"] == "REQ-OVERDUE")
    assert overdue["received_on"] == "2026-12-15" and overdue["timeliness"] == "overdue"  # rule: RIG-2
    assert sec["sensitive_access"]["rows"][0]["count"] == 2 and sec["sensitive_access"]["gaps"] == []
    assert sec["anchoring"]["rows"][0]["open_alarm"] is True  # the sample's truncation alarm  # rule: SEC-2
    assert sec["erasures"]["rows"][0]["member_ref"].startswith("m-")  # pseudonymous by default
    assert len(audit(ho, "console.evidence.pack")) == 3  # rule: SEC-2
    assert [a[1] for a in audit(ho, "console.evidence.download")] == ["pdf", "zip"] * 3


def test_all_stores_when_none_ticked_and_silent_store_is_a_gap(ho):
    r = build(signed_in(ho, "audrey"))
    assert "BJ-002, SH-001" in r.text
    assert "门店未上报：BJ-002" in r.text  # the store never sent its summary: said, not counted as zero


def test_download_is_for_the_builder_only_and_expires(ho, hoc):
    a = signed_in(ho, "audrey")
    pdf_url, _ = links(build(a).text)
    other = signed_in(ho, "alice")
    assert other.get(pdf_url).status_code == 404
    hoc.t += 16 * 60
    a = signed_in(ho, "audrey")
    assert a.get(pdf_url).status_code == 404


def test_personal_pack_needs_role_and_reason(ho):
    it = signed_in(ho, "ivan")
    assert 'name="personal"' not in it.get("/console/evidence").text
    r = build(it, personal="1", reason="法院调取证据，案号 2027-001")
    assert r.status_code == 400 and "evidence-ready" not in r.text  # rule: SEC-1
    aud = signed_in(ho, "audrey")
    r = build(aud, personal="1", reason="看看")
    assert r.status_code == 400
    r = build(aud, personal="1", reason="法院调取证据，案号 2027-001")
    assert r.status_code == 200
    _, zip_url = links(r.text)
    pack = read_bundle(aud.get(zip_url).content)
    assert pack["personal_data"] and pack["sections"]["erasures"]["rows"][0]["member_ref"] == "m2"
    details = json.loads(audit(ho, "console.evidence.pack")[-1][2])
    assert details["personal"] is True and details["reason"].startswith("法院")  # rule: SEC-2
    assert [a[1] for a in audit(ho, "console.evidence.refused")] == [
        "evidence.personal_role",
        "evidence.personal_reason",
    ]


def test_bad_period_and_csrf_are_refused(ho):
    c = signed_in(ho, "audrey")
    assert build(c, **{"from": "2027-02-01", "to": "2027-01-01"}).status_code == 400
    assert build(c, **{"from": "yesterday"}).status_code == 400
    r = c.post("/console/evidence", data={"csrf": "nope", "from": "2026-01-01", "to": "2026-12-31"})
    assert r.status_code == 403
    assert not audit(ho, "console.evidence.pack")


def test_pdf_names_every_section(ho):
    c = signed_in(ho, "alice")
    pdf_url, zip_url = links(build(c).text)
    pdf = c.get(pdf_url).content
    with zipfile.ZipFile(io.BytesIO(c.get(zip_url).content)) as z:
        assert z.read("evidence-pack.pdf") == pdf  # the bundle carries the same PDF
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    for _key, _zh, en, _cols in SECTIONS:
        assert en in text
    assert "SH-001-20261215-001" in text and "not reported by the store: BJ-002" in text
