"""The head-office console (issue #19): sign-in, sessions, CSRF, back-off, roles, pages, publishing."""

from __future__ import annotations

import json
import re

import pytest
from starlette.routing import Mount
from starlette.testclient import TestClient

from headoffice.console import views
from headoffice.console.accounts import ABSOLUTE_SECONDS, IDLE_SECONDS
from headoffice.console.app import PUBLIC
from headoffice.server import create_app
from tests.headoffice.consoleutil import csrf_of, feed_count, sample_data, signed_in, signin


def console_routes(ho):
    app = create_app(ho)
    mount = next(r for r in app.routes if isinstance(r, Mount) and r.path == "/console")
    return [(r.path, sorted(getattr(r, "methods", None) or ["GET"])) for r in mount.app.app.routes]


def fill(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "X", path)


def test_every_console_route_needs_a_session(ho, hoc):
    routes = console_routes(ho)
    assert len(routes) >= 15 and {p for p, _ in routes} >= {"/stores", "/publish/notice", "/requests/{store}/{rid}"}
    anon = TestClient(create_app(ho), base_url="https://testserver")
    user = signed_in(ho, "alice")
    hoc.t += IDLE_SECONDS + 1  # and a session idle for too long is no session
    for path, methods in routes:
        if path in PUBLIC:
            continue
        for method in methods:
            if method == "HEAD":
                continue
            for client in (anon, user):
                r = client.request(method, "/console" + fill(path), follow_redirects=False)
                if method == "GET":
                    assert r.status_code == 303 and r.headers["location"] == "/console/signin", path  # rule: SEC-1
                else:
                    assert r.status_code == 401, path  # rule: SEC-1
    assert feed_count(ho) == 0
    # the stores' signed API is unchanged: still unsigned requests refused there
    assert anon.post("/v1/upload", content=b"{}").json()["error"] == "unsigned"


def test_session_absolute_expiry_and_signout(ho, hoc):
    c = signed_in(ho, "alice")
    for _ in range(int(ABSOLUTE_SECONDS / (IDLE_SECONDS - 60)) + 1):
        hoc.t += IDLE_SECONDS - 60
        r = c.get("/console/stores", follow_redirects=False)
    assert r.status_code == 303  # active all along, but past the absolute limit
    c = signed_in(ho, "alice")
    page = c.get("/console/stores")
    assert c.post("/console/signout", data={"csrf": csrf_of(page.text)}, follow_redirects=False).status_code == 303
    assert c.get("/console/stores", follow_redirects=False).status_code == 303


def test_post_without_the_csrf_token_is_refused(ho):
    c = signed_in(ho, "ivan")
    before = feed_count(ho)
    for data in ({"minutes": "5"}, {"minutes": "5", "csrf": "forged"}):
        r = c.post("/console/publish/interval", data=data, follow_redirects=False)
        assert r.status_code == 403 and "表单已失效" in r.text
    assert feed_count(ho) == before
    # sign-in needs its double-submit token too
    anon = TestClient(create_app(ho), base_url="https://testserver")
    r = anon.post("/console/signin", data={"username": "ivan", "password": "It-staff-pass-22"}, follow_redirects=False)
    assert r.status_code == 403
    with ho.storage.read() as cur:
        assert cur.scalar("SELECT count(*) FROM ho_audit WHERE action = 'console.csrf.refused'") == 2


def test_signin_backs_off_per_user_and_per_address(ho, hoc):
    c = TestClient(create_app(ho), base_url="https://testserver")
    for _ in range(3):
        assert signin(c, "alice", "wrong-password-x").status_code == 401
    r = signin(c, "alice")  # the right password must wait now
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1 and "秒后再试" in r.text
    hoc.t += 3
    assert signin(c, "alice").status_code == 303
    # per address: a spray of names from one client is slowed down too (the back-off lives in the database,
    # shared by every console instance: the count above for this address ends after a day)
    hoc.t += 24 * 3600 + 1
    c3 = TestClient(create_app(ho), base_url="https://testserver")
    for name in ("nobody1", "nobody2", "nobody3"):
        page = c3.get("/console/signin")
        r = c3.post(
            "/console/signin",
            data={"csrf": csrf_of(page.text), "username": name, "password": "x" * 12},
            follow_redirects=False,
        )
        assert r.status_code == 401
    assert signin(c3, "audrey").status_code == 429
    with ho.storage.read() as cur:
        assert cur.scalar("SELECT count(*) FROM ho_audit WHERE action = 'console.signin.throttled'") >= 2
        assert cur.scalar("SELECT count(*) FROM ho_audit WHERE action = 'console.signin.refused'") >= 6


def test_auditor_reads_everything_and_changes_nothing(ho):
    sample_data(ho)
    c = signed_in(ho, "audrey")
    for page in (
        "/console/stores",
        "/console/stores/SH-001",
        "/console/requests",
        "/console/erasures",
        "/console/consent",
        "/console/publish",
        "/console/requests/SH-001/REQ-OVERDUE",
    ):
        assert c.get(page).status_code == 200, page
    csrf = csrf_of(c.get("/console/publish").text)
    before = feed_count(ho)
    for path, data in [
        ("/console/publish/interval", {"minutes": "5"}),
        ("/console/stores/create", {"code": "GZ-3", "name": "x"}),
        ("/console/publish/holidays", {"year": "2027", "days": '{"2027-01-01": "holiday"}'}),
        ("/console/publish/policy", {"policy": '{"rules": [{"category": "purchase"}]}'}),
        ("/console/publish/notice/preview", {"notice": "{}"}),
    ]:
        r = c.post(path, data={"csrf": csrf, **data}, follow_redirects=False)
        assert r.status_code == 403, path  # rule: SEC-1
    assert feed_count(ho) == before and "GZ-3" not in {s["code"] for s in ho.list_stores()}


def test_it_and_compliance_have_separate_powers(ho):
    it, comp = signed_in(ho, "ivan"), signed_in(ho, "alice")
    csrf_it, csrf_comp = csrf_of(it.get("/console/publish").text), csrf_of(comp.get("/console/publish").text)
    # IT: enrolment codes, holiday tables, sync interval; not notices or the retention policy
    r = it.post(
        "/console/stores/create", data={"csrf": csrf_it, "code": "gz-003", "name": "广州天河店", "ttl_hours": "48"}
    )
    assert r.status_code == 200
    code = re.search(r'id="enrol-code">([^<]+)<', r.text).group(1)
    assert ho.enrol("GZ-003", code, _pubkey())["store"] == "GZ-003"  # the code works: same service function
    assert (
        it.post(
            "/console/publish/interval", data={"csrf": csrf_it, "minutes": "10"}, follow_redirects=False
        ).status_code
        == 303
    )
    assert (
        it.post(
            "/console/publish/holidays",
            data={"csrf": csrf_it, "year": "2027", "days": '{"2027-01-01": "holiday", "2027-02-07": "workday"}'},
            follow_redirects=False,
        ).status_code
        == 303
    )
    assert it.post("/console/publish/policy", data={"csrf": csrf_it, "policy": '{"rules": []}'}).status_code == 403
    # compliance: notices and retention policy; not stores or the interval
    assert comp.post("/console/stores/create", data={"csrf": csrf_comp, "code": "X", "name": "y"}).status_code == 403
    assert comp.post("/console/publish/interval", data={"csrf": csrf_comp, "minutes": "1"}).status_code == 403
    rules = {
        "rules": [{"category": "purchase", "period_value": 5, "period_unit": "years", "action": "delete", "version": 2}]
    }
    assert (
        comp.post(
            "/console/publish/policy", data={"csrf": csrf_comp, "policy": json.dumps(rules)}, follow_redirects=False
        ).status_code
        == 303
    )
    rows = ho.pull("GZ-003", None)["rows"]
    assert [r["kind"] for r in rows] == ["config", "holiday_table", "retention_policy"]
    assert rows[0]["payload"] == {"sync_interval_minutes": 10} and rows[2]["payload"] == rules
    with ho.storage.read() as cur:
        actors = {
            r[0]
            for r in cur.all("SELECT actor FROM ho_audit WHERE action IN ('console.publish', 'console.store.create')")
        }
    assert actors == {"console:ivan", "console:alice"}


def _pubkey() -> str:
    from app.sync import signing

    return signing.public_text(signing.new_private_key())


def _notice_payload(version="HO-2027.2"):
    from app.notices import default_notice

    zh, en = default_notice("zh_CN").to_dict(), default_notice("en").to_dict()
    zh["version"] = en["version"] = version
    zh["effective_date"] = en["effective_date"] = "2027-02-01"
    return {"zh_CN": zh, "en": en}


def test_notice_is_previewed_in_both_languages_then_reaches_a_stores_pull(ho, manager, paths, client):
    from app.notices import get_notice
    from app.notices.model import Notice
    from tests.app.syncutil import enrolled

    eng = enrolled(manager, paths, client, ho)
    c = signed_in(ho, "alice")
    csrf = csrf_of(c.get("/console/publish").text)
    payload = _notice_payload()
    before = feed_count(ho)
    r = c.post(
        "/console/publish/notice/preview", data={"csrf": csrf, "notice": json.dumps(payload, ensure_ascii=False)}
    )
    assert r.status_code == 200 and feed_count(ho) == before  # a preview publishes nothing
    assert payload["zh_CN"]["title"] in r.text and payload["en"]["title"] in r.text
    for p in payload["zh_CN"]["purposes"] + payload["en"]["purposes"]:
        assert p["title"] in r.text  # rule: NOT-1
    hidden = re.search(r'<textarea name="notice" hidden>(.*?)</textarea>', r.text, re.S).group(1)
    import html

    r = c.post(
        "/console/publish/notice",
        data={"csrf": csrf, "notice": html.unescape(hidden), "target": ""},
        follow_redirects=False,
    )
    assert r.status_code == 303 and feed_count(ho) == before + 1
    eng.sync_once()
    stored = get_notice(manager.db, "HO-2027.2", "zh_CN")
    assert stored.content_hash == Notice.from_dict(payload["zh_CN"]).content_hash  # rule: NOT-2


def test_an_invalid_notice_is_refused_before_publishing(ho):
    c = signed_in(ho, "alice")
    csrf = csrf_of(c.get("/console/publish").text)
    bad = _notice_payload()
    bad["en"]["version"] = "OTHER"
    for text in ("not json", json.dumps({"zh_CN": bad["zh_CN"]}), json.dumps(bad)):
        for path in ("/console/publish/notice/preview", "/console/publish/notice"):
            r = c.post(path, data={"csrf": csrf, "notice": text})
            assert r.status_code == 400 and 'class="error"' in r.text
    nores = _notice_payload()
    nores["zh_CN"]["purposes"] = [p for p in nores["zh_CN"]["purposes"] if not p.get("required")]
    r = c.post("/console/publish/notice", data={"csrf": csrf, "notice": json.dumps(nores)})
    assert r.status_code == 400  # rule: CON-2
    assert feed_count(ho) == 0


def test_pages_in_chinese_by_default_and_english_on_request(ho):
    sample_data(ho)
    c = signed_in(ho, "audrey")
    r = c.get("/console/stores")
    assert '<html lang="zh-CN">' in r.text and "门店编号" in r.text and "审计日志锚定告警" in r.text
    r = c.get("/console/lang/en?next=/console/requests", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/console/requests"
    r = c.get("/console/requests")
    assert '<html lang="en">' in r.text and "Requests across stores" in r.text and "Overdue" in r.text
    assert "门店编号" not in c.get("/console/stores").text
    # the sign-in page follows the choice too; no open redirect through `next`
    assert (
        c.get("/console/lang/zh_CN?next=https://evil.example/", follow_redirects=False).headers["location"]
        == "/console/stores"
    )
    assert (
        c.get("/console/lang/zh_CN?next=//evil.example/", follow_redirects=False).headers["location"]
        == "/console/stores"
    )
    assert "总部人员登录" in TestClient(create_app(ho), base_url="https://testserver").get("/console/signin").text


def test_security_headers_and_cookie_flags(ho):
    c = TestClient(create_app(ho), base_url="https://testserver")
    for path in ("/console/signin", "/console/stores", "/console/static/console.css"):
        h = c.get(path, follow_redirects=False).headers
        assert h["content-security-policy"].startswith("default-src 'self'")
        assert (h["x-frame-options"], h["referrer-policy"], h["x-content-type-options"]) == (
            "DENY",
            "no-referrer",
            "nosniff",
        )
    r = signin(c, "alice")
    cookie = r.headers["set-cookie"]
    assert "md_console=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie and "Secure" in cookie
    plain = TestClient(create_app(ho), base_url="http://testserver")
    cookie = signin(plain, "alice").headers["set-cookie"].split(", md_console_pre")[0]
    assert "HttpOnly" in cookie and "Secure" not in cookie  # Secure only over TLS
    # the stores' endpoints carry none of the console's cookies and keep their answers
    assert "set-cookie" not in c.get("/v1/time").headers


def test_stores_requests_erasures_and_consent_pages_show_what_head_office_holds(ho):
    sample_data(ho)
    ho.file_erasure_order("m-erased-2", request_id="REQ-9")
    c = signed_in(ho, "audrey")
    stores = c.get("/console/stores").text
    row = re.search(r"<tr class=\"alarm\">.*?SH-001.*?</tr>", stores, re.S).group(0)
    cells = re.findall(r'<td class="num[^"]*">(\d+)</td>', row)
    assert cells == ["3", "1", "1", "12"]  # pending, quarantined, alarms (audit head stepped back), head
    detail = c.get("/console/stores/SH-001").text
    assert "member_erased" in detail and "audit.head.regressed" in detail and "m-erased" not in detail
    req = c.get("/console/requests").text
    overdue = req.split('id="overdue"')[1].split('id="due-soon"')[0]
    soon = req.split('id="due-soon"')[1].split('id="open"')[0]
    assert "REQ-OVERDUE" in overdue and "REQ-SOON" not in overdue  # rule: RIG-2
    assert {r["request_id"] for r in ho.overdue_requests("2027-01-15")} == {"REQ-OVERDUE"}
    assert "REQ-SOON" in soon and "REQ-LATER" not in soon and "REQ-DONE" not in req
    one = c.get("/console/requests/SH-001/REQ-OVERDUE").text
    assert 'id="clock">-10<' in one and "已超期" in one
    er = c.get("/console/erasures").text
    assert "m-erased-2" in er and "REQ-9" in er and "BJ-002, SH-001" in er  # no receipts yet: both wait
    row = er.split("m-erased-2")[1].split("</tr>")[0]
    assert re.search(r"<td>\d{4}-\d\d-\d\d \d\d:\d\d 北京时间</td>", row) and "Z</td>" not in row  # as people write it
    con = c.get("/console/consent").text
    rows = re.findall(
        r"<tr><td>([^<]+)</td><td>([^<]+)</td><td class=\"num\">(\d+)</td><td class=\"num\">(\d+)</td>"
        r"<td class=\"num\">(\d+)</td></tr>",
        con,
    )
    got = {(v, p): (int(g), int(rf), int(w)) for v, p, g, rf, w in rows}
    assert got[("2026.1", "marketing")] == (0, 1, 1)  # m2 refused, m1 withdrew           # rule: CON-3
    assert got[("2026.1", "membership")] == (2, 0, 0) and got[("2027.1", "marketing")] == (1, 0, 0)
    ho.publish("notice", _notice_payload("2027.1"))
    assert 'id="reconsent">2<' in c.get("/console/consent").text  # m1, m2 still on 2026.1     # rule: CON-5


def test_every_console_action_is_in_head_offices_audit_table(ho):
    c = signed_in(ho, "ivan")
    c.get("/console/requests")
    c.post("/console/publish/interval", data={"csrf": csrf_of(c.get("/console/publish").text), "minutes": "20"})
    with ho.storage.read() as cur:
        rows = cur.all("SELECT actor, action, subject FROM ho_audit WHERE actor LIKE 'console:%' ORDER BY id")
    assert ("console:ivan", "console.signin", None) in rows
    assert ("console:ivan", "console.view", "requests") in rows
    assert ("console:ivan", "console.publish", "config") in rows
    with ho.storage.read() as cur:  # rule: SEC-2
        assert cur.scalar("SELECT count(*) FROM ho_audit WHERE action = 'feed.publish' AND subject = 'config'") == 1
        blob = " ".join(str(r) for r in cur.all("SELECT * FROM ho_audit"))
    assert "It-staff-pass-22" not in blob


def test_console_user_cli_add_list_disable(tmp_path, monkeypatch, capsys):
    import io

    from headoffice import cli
    from headoffice.console.accounts import ConsoleAccounts
    from headoffice.storage import SQLiteStorage

    db = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setattr("sys.stdin", io.StringIO("Long-enough-pass-1\n"))
    assert cli.main(["--db", db, "console-user", "add", "Carol", "--role", "compliance", "--password-stdin"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert cli.main(["--db", db, "console-user", "add", "dave", "--role", "it", "--password-stdin"]) == 1
    assert cli.main(["--db", db, "console-user", "list"]) == 0
    out = capsys.readouterr()
    assert "carol" in out.out and "compliance" in out.out and "12 characters" in out.err
    assert "Long-enough" not in out.out + out.err
    with pytest.raises(SystemExit):  # no way to put a password in argv
        cli.main(["--db", db, "console-user", "add", "eve", "--role", "it", "--password", "x" * 12])
    storage = SQLiteStorage(tmp_path / "cli.db")
    acc = ConsoleAccounts(storage)
    assert acc.check_password("carol", "Long-enough-pass-1") == "compliance"
    token, _ = acc.open_session("carol")
    assert cli.main(["--db", db, "console-user", "disable", "carol"]) == 0
    assert acc.check_password("carol", "Long-enough-pass-1") is None and acc.session(token) is None
    with storage.read() as c:
        stored = c.scalar("SELECT pw_hash FROM console_users WHERE username = 'carol'")
    assert stored.startswith("argon2id$") and "Long-enough" not in stored
    storage.close()


@pytest.mark.postgres
def test_console_accounts_on_postgresql():
    from headoffice.console.accounts import ConsoleAccounts
    from headoffice.service import HeadOffice
    from headoffice.storage import PostgresStorage
    from tests.app.syncutil import pg_dsn_or_skip, reset_pg

    dsn = pg_dsn_or_skip()
    reset_pg(dsn)
    storage = PostgresStorage(dsn, pool_size=2)
    try:
        ho = HeadOffice(storage)
        acc = ConsoleAccounts(storage)
        acc.add_user("pg-user", "it", "Postgres-pass-1")
        ConsoleAccounts(storage)  # start-up twice: tables exist, nothing lost
        c = TestClient(create_app(ho), base_url="https://testserver")
        page = c.get("/console/signin")
        r = c.post(
            "/console/signin",
            data={"csrf": csrf_of(page.text), "username": "pg-user", "password": "Postgres-pass-1"},
            follow_redirects=False,
        )
        assert r.status_code == 303
        assert c.get("/console/stores").status_code == 200
        assert (
            c.post(
                "/console/publish/interval",
                data={"csrf": csrf_of(c.get("/console/publish").text), "minutes": "30"},
                follow_redirects=False,
            ).status_code
            == 303
        )
        ho.create_store("PG-1", "门店")
        assert ho.pull("PG-1", None)["rows"][0]["payload"] == {"sync_interval_minutes": 30}
    finally:
        storage.close()


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (1800000000.0, "2027-01-15 16:00 北京时间"),  # epoch seconds, UTC 08:00
        ("2027-01-15T08:00:00Z", "2027-01-15 16:00 北京时间"),  # what the stores' erasure ledger writes
        ("2027-01-15T08:00:00+00:00", "2027-01-15 16:00 北京时间"),
        ("2027-01-15T16:00:00+08:00", "2027-01-15 16:00 北京时间"),
        ("2027-01-15T08:00:00", "2027-01-15 16:00 北京时间"),  # no zone: stored times are UTC
        ("2027-01-15T23:30:00Z", "2027-01-16 07:30 北京时间"),  # the Beijing date turns before UTC's
        (None, "-"),
        ("", "-"),
        ("not a time", "not a time"),
    ],
)
def test_console_times_are_beijing_time_whatever_form_they_are_stored_in(value, shown):
    assert views.fmt_time(value) == shown
