"""The console in a real browser: Debian's chromium + chromedriver (Selenium) against a real uvicorn
with TLS on loopback. Screenshots (console-*.png) go where tests/ui/shots.py says: a temp folder, or
MEMBERDESK_SCREENSHOTS=docs/screenshots to refresh the docs' pictures.

Skips with a reason when chromium is absent, except in CI (CI=true), where it must run.
"""

from __future__ import annotations

import json
import os
import shutil
import time

import pytest

from headoffice import atrest, request_index
from headoffice.service import HeadOffice
from headoffice.storage import SQLiteStorage
from tests.app.syncutil import ServerProcess, make_ca
from tests.headoffice.consoleutil import PASSWORDS, add_users, sample_data
from tests.ui.shots import SHOTS_DIR as SHOTS


def _browser_or_skip():
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    try:
        import selenium  # noqa: F401
    except ImportError:
        chromium = None
    if not (chromium and driver):
        msg = "browser test needs chromium, chromium-driver (apt) and selenium (pip, the test extra)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI: " + msg)
        pytest.skip(msg)
    return chromium, driver


@pytest.fixture
def browser():
    chromium, driver = _browser_or_skip()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--window-size=1366,900",
        "--lang=zh-CN",
        "--disable-gpu",
    ):
        opts.add_argument(arg)
    opts.accept_insecure_certs = True  # the test's private CA is not in chromium's store
    d = webdriver.Chrome(service=Service(driver), options=opts)
    d.implicitly_wait(5)
    yield d
    d.quit()


def _notice_json() -> str:
    from app.notices import default_notice

    zh, en = default_notice("zh_CN").to_dict(), default_notice("en").to_dict()
    zh["version"] = en["version"] = "HO-2027.3"
    return json.dumps({"zh_CN": zh, "en": en}, ensure_ascii=False)


def test_console_in_chromium(browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    # the server process runs on the real clock, so the sample's due dates are placed relative to today
    storage = SQLiteStorage(tmp_path / "ho.db")
    clock = lambda: time.time()  # noqa: E731
    ho = HeadOffice(storage, clock=clock)
    add_users(storage, clock)
    _sample_relative_to_today(ho)
    storage.close()
    server = ServerProcess(f"sqlite:///{tmp_path / 'ho.db'}", make_ca(tmp_path / "tls")).start()
    SHOTS.mkdir(parents=True, exist_ok=True)
    try:
        d = browser
        d.get(server.url + "/console/stores")  # no session: the sign-in page
        assert d.current_url.endswith("/console/signin") and "总部人员登录" in d.page_source
        d.save_screenshot(str(SHOTS / "console-signin.png"))
        # keyboard only: the user field has focus, Tab to the password, Enter signs in
        d.switch_to.active_element.send_keys("alice", Keys.TAB, PASSWORDS["alice"], Keys.ENTER)
        assert d.current_url.endswith("/console/stores")
        cookie = d.get_cookie("md_console")
        assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Strict"
        row = d.find_element(By.XPATH, "//tr[td/a[text()='SH-001']]")
        assert "alarm" in row.get_attribute("class") and row.find_elements(By.CSS_SELECTOR, "td.bad")
        d.save_screenshot(str(SHOTS / "console-stores.png"))
        d.find_element(By.LINK_TEXT, "SH-001").click()
        assert "member_erased" in d.page_source and "audit.head.regressed" in d.page_source
        # requests: open an overdue one
        d.find_element(By.LINK_TEXT, "个人信息权利申请").click()
        overdue = d.find_element(By.CSS_SELECTOR, "tr.overdue a")
        assert overdue.text == "REQ-OVERDUE"
        d.save_screenshot(str(SHOTS / "console-requests.png"))
        overdue.click()
        assert "已超期" in d.find_element(By.TAG_NAME, "main").text
        # publish a notice: preview in both languages first
        d.find_element(By.LINK_TEXT, "发布").click()
        area = d.find_element(By.ID, "notice")
        d.execute_script("arguments[0].value = arguments[1];", area, _notice_json())
        area.submit()
        zh, en = d.find_element(By.ID, "preview-zh_CN"), d.find_element(By.ID, "preview-en")
        assert "HO-2027.3" in zh.text and "HO-2027.3" in en.text and zh.text != en.text
        d.save_screenshot(str(SHOTS / "console-notice-preview.png"))
        d.find_element(By.ID, "publish-notice").click()
        assert d.find_element(By.CSS_SELECTOR, "p.ok").is_displayed()
        # English on request
        d.find_element(By.CSS_SELECTOR, "a.lang").click()
        assert "Publishing" in d.find_element(By.TAG_NAME, "h1").text
        d.find_element(By.LINK_TEXT, "Consent").click()
        d.save_screenshot(str(SHOTS / "console-consent-en.png"))
        d.find_element(By.CSS_SELECTOR, "a.lang").click()
        # the evidence pack: a period and one store, built, both files downloadable (issue #19)
        d.find_element(By.LINK_TEXT, "证据包").click()
        d.execute_script("document.getElementById('ev-from').value = '2026-01-01';")
        d.find_element(By.NAME, "store:SH-001").click()
        d.find_element(By.ID, "evidence-build").click()
        ready = d.find_element(By.ID, "evidence-ready")
        assert "SH-001" in ready.text and "BJ-002" not in ready.text
        assert "门店未上报：SH-001" in d.find_element(By.ID, "evidence-summary").text  # no summary uploaded
        d.save_screenshot(str(SHOTS / "console-evidence.png"))
        fetch = (
            "const done = arguments[arguments.length - 1];"
            "fetch(arguments[0]).then(r => r.arrayBuffer().then(b => done([r.status,"
            " r.headers.get('content-type'), Array.from(new Uint8Array(b.slice(0, 4)))])));"
        )
        for link, media, magic in (
            ("evidence-pdf", "application/pdf", b"%PDF"),
            ("evidence-zip", "application/zip", b"PK\x03\x04"),
        ):
            href = d.find_element(By.ID, link).get_attribute("href")
            status, ctype, head = d.execute_async_script(fetch, href)
            assert status == 200 and ctype == media and bytes(head) == magic
        # the incident register: record one (Beijing time in the form), see its deadline clock
        d.find_element(By.LINK_TEXT, "安全事件").click()
        d.find_element(By.ID, "title").send_keys("误发营销短信")
        d.find_element(By.ID, "description").send_keys("营销短信发给了已撤回同意的会员。")
        found = time.strftime("%Y-%m-%dT%H:%M", time.gmtime(time.time() + 8 * 3600 - 3 * 3600))
        d.execute_script("document.getElementById('found_at').value = arguments[0];", found)
        d.find_element(By.ID, "stores").send_keys("SH-001")
        d.find_element(By.ID, "data_kinds").send_keys("mobile")
        d.find_element(By.ID, "people_affected").send_keys("35")
        d.find_element(By.ID, "people_affected").submit()
        assert "误发营销短信" in d.find_element(By.TAG_NAME, "h1").text
        assert d.find_element(By.ID, "clock").text == "69.0" and "北京时间" in d.page_source
        d.find_element(By.LINK_TEXT, "返回事件列表").click()
        d.save_screenshot(str(SHOTS / "console-incidents.png"))
    finally:
        server.stop()
    storage = SQLiteStorage(tmp_path / "ho.db")
    try:
        ho = HeadOffice(storage)
        ho.create_store("NEW-1", "新门店")
        notices = [r for r in ho.pull("NEW-1", None)["rows"] if r["kind"] == "notice"]
        assert [n["payload"]["zh_CN"]["version"] for n in notices] == ["HO-2027.3"]
    finally:
        storage.close()


def _sample_relative_to_today(ho):
    import datetime as dt

    sample_data(ho)
    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date()
    shift = {"REQ-OVERDUE": -10, "REQ-SOON": 2, "REQ-LATER": 26, "REQ-DONE": -13}
    recs = {r["entity_id"]: r for r in ho.records(entity="request")}  # head office's decrypting reader
    with ho.storage.tx() as c:
        for rid, days in shift.items():
            r = recs[rid]
            payload = {**r["payload"], "due_on": (today + dt.timedelta(days=days)).isoformat()}
            sealed = ho._seal(c, payload, atrest.record_aad(r["store"], "request", rid))  # stored sealed (STO-1)
            c.execute("UPDATE records SET payload = ? WHERE entity_id = ?", (sealed, rid))
            row = request_index.row_of(r["store"], rid, r["member_key"], payload, r["received_at"])
            request_index.note(c, [row])  # what the upload apply keeps beside the record
