"""Demo mode: a throwaway store with clearly fake members, the banner, the demo accounts on the sign-in
screen, and nothing left behind (nor any real data folder touched) after exit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import Qt

from app.demo.demo_store import DEMO_ACCOUNTS, DEMO_MARK, create_demo_store

ROOT = Path(__file__).resolve().parents[2]


def test_demo_store_has_fake_members_and_working_accounts(tmp_path):
    demo = create_demo_store(tmp_path / "demo", members=60)
    from app.access.vault import Vault

    vault = Vault(demo.paths)
    try:
        session = vault.sign_in(*DEMO_ACCOUNTS["clerk"][:2])
        assert not session.staff.is_manager and not session.staff.must_change_password
        names = [r[0] for r in session.db.all("SELECT name FROM members")]
        assert len(names) == 60 == demo.members
        assert all(n.startswith(DEMO_MARK) for n in names)  # nobody can mistake them for customers
        assert session.db.scalar("SELECT count(*) FROM consent_records") == 60
        assert session.db.scalar("SELECT count(*) FROM requests") == demo.requests == 3
        assert (
            session.db.scalar(
                "SELECT count(*) FROM requests WHERE due_on < ?", (session.clock.now().date().isoformat(),)
            )
            >= 1
        )  # one overdue request to try
        from app.audit import chain

        assert chain.verify(session.db).ok  # rule: SEC-2
        assert session.db.scalar("SELECT count(*) FROM purchases") > 0
        # yesterday's POS export, imported from the demo's POS folder with two rejected lines to look at
        assert tuple(session.db.one("SELECT accepted, rejected FROM pos_imports")) == (30, 2)
        vault.lock()
        manager = vault.sign_in(*DEMO_ACCOUNTS["manager"][:2])
        assert manager.staff.is_manager
        from app.retention import sweep

        due = sweep.dry_run(manager, record=False)["categories"]["member"]["due"]
        assert due == 60 // 16  # old members for the retention dry run
    finally:
        vault.close()
    demo.cleanup()
    assert not (tmp_path / "demo").exists()  # rule: STO-1


def test_banner_and_accounts_on_the_sign_in_screen(qtbot, tmp_path):
    from ui.demo import install_demo_ui
    from ui.main import build
    from ui.workers import SyncRunner

    demo = create_demo_store(tmp_path / "demo", members=20)
    ctx, win = build(demo.paths, "zh_CN", runner=SyncRunner())
    qtbot.addWidget(win)
    try:
        install_demo_ui(win, demo)
        win.resize(1280, 800)
        win.show()
        banner = win.menuWidget()
        assert banner is not None and banner.objectName() == "demoBanner"
        assert "演示模式 — 数据均为虚构" in banner.text() and banner.isVisible()
        accounts = win.sign_in.findChild(type(banner), "demoAccounts")
        for user, pw, _ in DEMO_ACCOUNTS.values():
            assert user in accounts.text() and pw in accounts.text()
        assert win.sign_in.username.text() == DEMO_ACCOUNTS["clerk"][0]
        win.sign_in.password.setText(DEMO_ACCOUNTS["clerk"][1])
        qtbot.keyClick(win.sign_in.password, Qt.Key.Key_Return)
        assert ctx.session is not None and ctx.session.staff.username == DEMO_ACCOUNTS["clerk"][0]
        assert win.stack.currentWidget() is win.workspace
        assert win.menuWidget() is banner and banner.isVisible()  # the banner stays while working
        win.lock()
    finally:
        ctx.vault.close()
        demo.cleanup()


def test_demo_run_leaves_nothing_and_never_touches_the_data_folder(tmp_path):
    tmp = tmp_path / "tmp"
    real = tmp_path / "real-data"
    tmp.mkdir()
    real.mkdir()
    env = dict(
        os.environ,
        TMPDIR=str(tmp),
        QT_QPA_PLATFORM="offscreen",
        MEMBERDESK_EXIT_WHEN_SHOWN="1",
        MEMBERDESK_DATA_DIR=str(real),
        MEMBERDESK_FAST_KDF="1",
    )
    proc = subprocess.run(
        [sys.executable, "-m", "ui.main", "--demo"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=240
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert not list(tmp.glob("memberdesk-demo-*"))  # rule: STO-1
    assert not any(real.iterdir())  # the real data folder was never used
