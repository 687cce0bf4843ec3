"""The incident register (PIPL Art. 57): service functions, console pages, admin command, period query."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest

from app.errors import ValidationError
from headoffice import incidents
from headoffice.console.accounts import IDLE_SECONDS
from tests.headoffice.consoleutil import csrf_of, sample_data, signed_in

H = 3600.0


def _new(ho, **kw) -> int:
    args = {
        "title": "收银台电脑被盗",
        "description": "门店报告一台电脑被盗，数据库已加密。",
        "found_at": ho.clock() - 2 * H,
        "stores": ["SH-001"],
        "data_kinds": ["mobile", "name"],
        "people_affected": 120,
    }
    args.update(kw)
    return incidents.record(ho, "tester", **args)


def _audit(ho) -> list[tuple]:
    with ho.storage.read() as c:
        return c.all("SELECT actor, action, subject, details FROM ho_audit WHERE action LIKE 'incident.%' ORDER BY id")


def test_register_lifecycle_with_deadline_clock_and_audit(ho, hoc):
    sample_data(ho)
    iid = _new(ho)
    row = incidents.get(ho, iid)
    assert row["deadline_at"] == row["found_at"] + incidents.NOTIFY_HOURS * H
    assert row["hours_left"] == incidents.NOTIFY_HOURS - 2 and row["authority_state"] == "waiting"
    with pytest.raises(ValidationError) as e:
        incidents.close(ho, "tester", iid)
    assert e.value.key == "incident.not_told"  # a register entry cannot be closed before Art. 57's notices
    hoc.t += incidents.NOTIFY_HOURS * H
    late = incidents.get(ho, iid)
    assert late["authority_state"] == "overdue" and late["people_state"] == "overdue" and late["hours_left"] < 0
    incidents.update_measures(ho, "tester", iid, "更换密码；远程锁定。")
    incidents.mark_authority_told(ho, "tester", iid, hoc.t - H, "市网信办")
    incidents.mark_people_told(ho, "tester", iid, None, "数据库加密，密钥未泄露：经评估不通知个人")
    done = incidents.get(ho, iid)
    assert done["authority_state"] == "late" and done["people_state"] == "late"
    incidents.close(ho, "tester", iid)
    with pytest.raises(ValidationError) as e:
        incidents.update_measures(ho, "tester", iid, "x")
    assert e.value.key == "incident.closed"
    actions = [r[1] for r in _audit(ho)]
    assert actions == [
        "incident.record",
        "incident.measures",
        "incident.authority_told",
        "incident.people_told",
        "incident.close",
    ]  # every change is one head-office audit row   # rule: SEC-2
    assert all(r[0] == "tester" and r[2] == str(iid) for r in _audit(ho))
    with ho.storage.read() as c:  # the free text is sealed at rest like head office's records
        raw = " ".join(str(x) for x in c.one("SELECT * FROM incidents WHERE id = ?", (iid,)))
    for text in ("收银台电脑被盗", "门店报告", "更换密码", "市网信办", "经评估"):
        assert text not in raw  # rule: STO-1
    assert incidents.get(ho, iid)["measures"] == "更换密码；远程锁定。"
    assert "市网信办" not in str(_audit(ho)) and "经评估" not in str(_audit(ho))  # field names only, no free text


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"title": ""}, "incident.bad_text"),
        ({"title": "x" * 201}, "incident.bad_text"),
        ({"description": "a\x00b"}, "incident.bad_text"),
        ({"found_at": None}, "incident.bad_time"),
        ({"found_at": "yesterday"}, "incident.bad_time"),
        ({"found_at": float("nan")}, "incident.bad_time"),
        ({"found_at": 10.0}, "incident.bad_time"),
        ({"found_at": 9e18}, "incident.future_time"),
        ({"occurred_at": 9e18}, "incident.future_time"),
        ({"stores": ["NOPE-9"]}, "incident.bad_store"),
        ({"data_kinds": ["face"]}, "incident.bad_kind"),
        ({"people_affected": -1}, "incident.bad_count"),
        ({"people_affected": "many"}, "incident.bad_count"),
    ],
)
def test_record_refuses_every_bad_input_and_writes_nothing(ho, change, key):
    sample_data(ho)
    with pytest.raises(ValidationError) as e:
        _new(ho, **change)
    assert e.value.key == key
    assert incidents.list_incidents(ho) == [] and _audit(ho) == []


def test_changes_to_unknown_ids_and_notices_before_discovery_are_refused(ho, hoc):
    sample_data(ho)
    iid = _new(ho)
    for bad in ("0", "-1", "abc", str(2**70), "99"):
        for fn in (
            lambda i: incidents.update_measures(ho, "t", i, "m"),
            lambda i: incidents.mark_authority_told(ho, "t", i, hoc.t, "a"),
            lambda i: incidents.mark_people_told(ho, "t", i, hoc.t, "h"),
            lambda i: incidents.close(ho, "t", i),
        ):
            with pytest.raises(ValidationError) as e:
                fn(bad)
            assert e.value.key == "incident.unknown"
        assert incidents.get(ho, bad) is None
    with pytest.raises(ValidationError) as e:
        incidents.mark_authority_told(ho, "t", iid, hoc.t - 10 * 24 * H, "a")
    assert e.value.key == "incident.before_found"
    with pytest.raises(ValidationError) as e:
        incidents.mark_people_told(ho, "t", iid, hoc.t, "")
    assert e.value.key == "incident.bad_text"
    assert [r[1] for r in _audit(ho)] == ["incident.record"]


def test_incidents_for_period_by_dates_epochs_and_stores(ho, hoc):
    sample_data(ho)
    day = 24 * H
    a = _new(ho, title="A", found_at=hoc.t - 40 * day, stores=["SH-001"])  # found before, still open
    b = _new(ho, title="B", found_at=hoc.t - 20 * day, stores=["BJ-002"])
    c = _new(ho, title="C", found_at=hoc.t - 3 * day, stores=[])  # chain-wide
    d = _new(ho, title="D", found_at=hoc.t - 60 * day, stores=["BJ-002"])
    incidents.mark_authority_told(ho, "t", d, hoc.t - 59 * day, "x")
    incidents.mark_people_told(ho, "t", d, hoc.t - 59 * day, "y")
    incidents.close(ho, "t", d)  # closed now: it was open during the whole period below
    today = dt.datetime.fromtimestamp(hoc.t, incidents.BEIJING).date()
    ids = lambda rows: [r["id"] for r in rows]  # noqa: E731
    assert ids(ho.incidents_for_period(today - dt.timedelta(days=30), today)) == [d, a, b, c]
    assert ids(ho.incidents_for_period(today - dt.timedelta(days=30), today, ["SH-001"])) == [a, c]
    assert ids(ho.incidents_for_period(today - dt.timedelta(days=30), today, ["BJ-002"])) == [d, b, c]
    assert ids(ho.incidents_for_period(hoc.t - 10 * day, hoc.t - 5 * day)) == [d, a, b]
    assert ids(ho.incidents_for_period(today - dt.timedelta(days=100), today - dt.timedelta(days=70))) == []
    rows = ho.incidents_for_period(today - dt.timedelta(days=30), today)
    assert all(isinstance(r, dict) and r["stores"] is not None and "deadline_at" in r for r in rows)
    assert {r["title"] for r in rows} == {"A", "B", "C", "D"}


def test_console_register_pages_roles_and_beijing_time(ho, hoc):
    sample_data(ho)
    alice = signed_in(ho, "alice")
    page = alice.get("/console/incidents")
    assert page.status_code == 200 and "72 小时" in page.text
    r = alice.post(
        "/console/incidents",
        data={
            "csrf": csrf_of(page.text),
            "title": "误发短信",
            "description": "营销短信发给了未同意的会员。",
            "found_at": "2027-01-15T08:30",  # Beijing time
            "stores": "SH-001，BJ-002",
            "data_kinds": "mobile",
            "people_affected": "35",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    iid = int(r.headers["location"].rsplit("/", 1)[1])
    row = incidents.get(ho, iid)
    assert row["found_at"] == hoc.t - 1.5 * H and row["stores"] == ["BJ-002", "SH-001"]
    detail = alice.get(f"/console/incidents/{iid}").text
    assert "2027-01-15 08:30 北京时间" in detail and 'id="clock">70.5<' in detail
    csrf = csrf_of(detail)
    bad = alice.post(
        f"/console/incidents/{iid}/authority", data={"csrf": csrf, "when": "2027-01-20T08:00", "authority": "x"}
    )
    assert bad.status_code == 400 and "不能晚于现在" in bad.text
    for path, data in [
        ("measures", {"measures": "已停止发送并致歉。"}),
        ("authority", {"when": "2027-01-15T09:45", "authority": "上海市网信办"}),
        ("people", {"when": "2027-01-15T09:50", "how": "短信致歉"}),
        ("close", {}),
    ]:
        r = alice.post(f"/console/incidents/{iid}/{path}", data={"csrf": csrf, **data}, follow_redirects=False)
        assert r.status_code == 303, path
    done = incidents.get(ho, iid)
    assert done["closed_at"] == hoc.t and done["authority_state"] == "in_time"
    assert [a[0] for a in _audit(ho)] == ["console:alice"] * 5  # the same service functions, audited
    en = alice.get("/console/lang/en?next=/console/incidents/" + str(iid)).text
    assert "2027-01-15 09:45 Beijing time" in en and "UTC" not in en
    stores = alice.get("/console/stores").text  # every console time in Beijing time, zone named
    assert "2027-01-15 09:50 Beijing time" in stores and "UTC" not in stores


def test_it_and_auditor_read_the_register_and_change_nothing(ho):
    sample_data(ho)
    iid = _new(ho)
    for user in ("ivan", "audrey"):
        c = signed_in(ho, user)
        listing = c.get("/console/incidents").text
        assert "收银台电脑被盗" in listing and 'action="/console/incidents"' not in listing
        detail = c.get(f"/console/incidents/{iid}")
        assert detail.status_code == 200 and "/measures" not in detail.text
        csrf = csrf_of(c.get("/console/stores").text)
        for path in ("", f"/{iid}/measures", f"/{iid}/authority", f"/{iid}/people", f"/{iid}/close"):
            r = c.post("/console/incidents" + path, data={"csrf": csrf, "title": "x", "measures": "y"})
            assert r.status_code == 403, (user, path)  # rule: SEC-1
    assert [r[1] for r in _audit(ho)] == ["incident.record"] and len(incidents.list_incidents(ho)) == 1


def test_incident_pages_need_a_session(ho, hoc):
    iid = _new(ho, stores=[])
    c = signed_in(ho, "alice")
    hoc.t += IDLE_SECONDS + 1
    assert c.get(f"/console/incidents/{iid}", follow_redirects=False).status_code == 303
    assert c.post(f"/console/incidents/{iid}/close", data={}, follow_redirects=False).status_code == 401


def test_incident_admin_command(tmp_path, monkeypatch, capsys):
    from headoffice import cli
    from headoffice.service import HeadOffice
    from headoffice.storage import SQLiteStorage

    db = f"sqlite:///{tmp_path / 'ho.db'}"
    assert cli.main(["--db", db, "create-store", "SH-001", "上海南京路店"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("备份盘丢失。\n"))
    argv = ["--db", db, "incident", "add", "--title", "备份盘丢失", "--found", "2026-01-10 09:00"]
    assert cli.main([*argv, "--stores", "sh-001", "--data-kinds", "purchases", "--people", "3"]) == 0
    iid = re.search(r"incident (\d+) recorded", capsys.readouterr().out).group(1)
    monkeypatch.setattr("sys.stdin", io.StringIO("已挂失。\n"))
    assert cli.main(["--db", db, "incident", "measures", iid]) == 0
    assert cli.main(["--db", db, "incident", "close", iid]) == 1
    assert "Before closing" in capsys.readouterr().err
    assert cli.main(["--db", db, "incident", "authority", iid, "--when", "2026-01-10 12:00", "--authority", "A"]) == 0
    assert cli.main(["--db", db, "incident", "people", iid, "--how", "encrypted disk: not told"]) == 0
    assert cli.main(["--db", db, "incident", "close", iid]) == 0
    assert cli.main(["--db", db, "incident", "show", iid]) == 0
    out = capsys.readouterr().out
    assert "2026-01-10 09:00 Beijing time" in out and "authority in_time" in out and "SH-001" in out
    assert cli.main(["--db", db, "incident", "list"]) == 0 and "备份盘丢失" in capsys.readouterr().out
    storage = SQLiteStorage(tmp_path / "ho.db")
    ho = HeadOffice(storage)
    assert [r[0] for r in _audit(ho)] == ["cli"] * 5
    storage.close()
