"""The customer-facing screen on a real second screen: a child process runs Qt's offscreen platform with
two virtual screens (clerk 1280x800, customer 1024x768) and checks the wizard puts the customer screen
on the second one, full screen, and that the customer's ticks there drive the registration."""

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.ui.shots import SHOTS_DIR

ROOT = Path(__file__).resolve().parents[2]

CHILD = r"""
import json, sys
sys.path.insert(0, sys.argv[1])
from PySide6.QtWidgets import QApplication
app = QApplication([])
from app.domains import load_all
from app.config import resolve_paths
from app.access.vault import Vault
from app.flows.registration import Step
from ui.context import AppContext
from ui.workers import SyncRunner
from ui.dialogs.register_member_dialog import RegisterMemberDialog
load_all()
paths = resolve_paths(sys.argv[2]).ensure()
vault = Vault(paths)
session, _ = vault.setup(store_code="SH-001", store_name="上海南京路店", terminal_name="DESK-1",
                         username="manager", display_name="王店长", password="Manager-pass-1")
ctx = AppContext(vault, lang="zh_CN", runner=SyncRunner())
ctx.set_session(session)
dlg = RegisterMemberDialog(ctx)              # customer_screen setting "auto"
dlg.show()
cust = dlg.customer
out = {"screens": [s.name() for s in app.screens()], "has_customer": cust is not None}
if cust is not None:
    app.processEvents()
    out["customer_screen"] = cust.screen().name()
    out["customer_geometry"] = [cust.geometry().x(), cust.geometry().width(), cust.geometry().height()]
    out["fullscreen"] = cust.isFullScreen()
    cust.next_btn.click()
    cust.consent.boxes["marketing"].setChecked(True)
    out["confirm_without_required"] = cust.next_btn.isEnabled()
    cust.consent.boxes["membership"].setChecked(True)
    out["confirm_with_required"] = cust.next_btn.isEnabled()
    cust.grab().save(sys.argv[3])
    cust.next_btn.click()
    out["step"] = dlg.flow.step.value
    out["decisions"] = {k: v for k, v in dlg.flow.decisions.items() if v is not None}
dlg.reject()
vault.close()
print(json.dumps(out))
"""


def test_customer_screen_on_second_virtual_screen(tmp_path):
    cfg = tmp_path / "screens.json"
    cfg.write_text(
        json.dumps(
            {
                "screens": [
                    {"name": "clerk", "x": 0, "y": 0, "width": 1280, "height": 800, "logicalDpi": 96, "dpr": 1},
                    {"name": "customer", "x": 1280, "y": 0, "width": 1024, "height": 768, "logicalDpi": 96, "dpr": 1},
                ]
            }
        )
    )
    env = dict(os.environ, QT_QPA_PLATFORM=f"offscreen:configfile={cfg}", MEMBERDESK_FAST_KDF="1")
    shot = SHOTS_DIR / "customer_second_screen.png"
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(ROOT), str(tmp_path / "data"), str(shot)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["screens"] == ["clerk", "customer"]
    assert out["has_customer"] and out["customer_screen"] == "customer"
    assert out["customer_geometry"] == [1280, 1024, 768] and out["fullscreen"]
    assert out["confirm_without_required"] is False  # rule: CON-2
    assert out["confirm_with_required"] is True  # rule: CON-2
    assert out["step"] == "fields" and out["decisions"] == {"membership": True, "marketing": True}
