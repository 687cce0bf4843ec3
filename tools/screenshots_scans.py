"""Grab PNGs of the scans inbox, the originals register, the destruction dialog, the record PDF and a redacted
archived form page as a clerk sees it (issue #16).

QT_QPA_PLATFORM=offscreen .venv/bin/python tools/screenshots_scans.py [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("MEMBERDESK_FAST_KDF", "1")

CST = dt.timezone(dt.timedelta(hours=8))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    from app.access.vault import Vault
    from app.clock import FixedClock
    from app.config import resolve_paths
    from app.domains import load_all
    from app.originals import destruction, tracking as R
    from app.scans.importer import import_bytes
    from app.staff.service import add_staff
    from app.storage.fieldcrypt import FieldCipher
    from tests.factories import make_member
    from tests.scan_samples import form_page, issue_serial, multi_page, to_bytes
    from ui.main import create_app
    from ui.workers import SyncRunner

    load_all()
    app = create_app([sys.argv[0]])
    with tempfile.TemporaryDirectory() as tmp:
        clock = FixedClock(dt.datetime(2026, 9, 24, 10, 0, tzinfo=CST))
        vault = Vault(resolve_paths(Path(tmp) / "data").ensure(), clock=clock)
        mgr, _ = vault.setup(
            store_code="SH-001",
            store_name="上海南京路店",
            terminal_name="DESK-1",
            username="manager",
            display_name="王店长",
            password="Manager-pass-1",
        )
        add_staff(vault, mgr, username="clerk", display_name="李店员", role="clerk", password="Clerk-pass-12")
        cipher = FieldCipher(vault.data_key())

        def scan(when, seed, cabinet="柜A-1"):
            clock.set(when)
            serial = issue_serial(mgr, make_member(mgr))
            import_bytes(mgr, cipher, to_bytes(form_page(serial, seed=seed), "PNG"), cabinet=cabinet)
            return serial

        scan(dt.datetime(2026, 9, 17, 16, 20, tzinfo=CST), 30)  # overdue by the screenshot day
        scan(dt.datetime(2026, 9, 24, 10, 5, tzinfo=CST), 1)  # due within 3 working days
        for i, day in enumerate((12, 13, 16, 19, 20), 2):
            scan(dt.datetime(2026, 10, day, 15, 30, tzinfo=CST), i)
        s_out = scan(dt.datetime(2026, 11, 2, 11, 0, tzinfo=CST), 8, "柜A-2")
        for i, day in enumerate((10, 18), 9):
            scan(dt.datetime(2026, 12, day, 9, 40, tzinfo=CST), i, "柜B-1")  # due in 2027: no holiday table
        done = [scan(dt.datetime(2026, 9, 14, 10, 0, tzinfo=CST), 20 + i) for i in range(3)]
        clock.set(dt.datetime(2026, 11, 10, 9, 30, tzinfo=CST))
        ids = {o.serial: o.id for o in R.list_originals(mgr.db, clock.today())}
        witness = vault.verify_staff("clerk", "Clerk-pass-12")
        did = destruction.destroy_batch(mgr, [ids[s] for s in done], method="shred", witness=witness)
        R.check_out(mgr, ids[s_out], "会员申请查阅原件", dt.date(2026, 11, 12))
        # inbox: a page without a readable QR, a form not printed here, and a re-scan with other content
        import_bytes(mgr, cipher, to_bytes(form_page(None, seed=40, dpi=120), "JPEG"))
        import_bytes(mgr, cipher, to_bytes(form_page("SH-009-261101-00042", seed=41, rotate=4), "PNG"))
        first = sorted(ids)[1]
        import_bytes(mgr, cipher, multi_page([form_page(first, seed=99), form_page(None, seed=98)], "PDF"))

        # a printed form with the customer's ID number written in, scanned at 200 dpi (issue #16); and the same
        # form's page on a foreign sheet (held for a manager)
        from app.notices.store import ensure_default_stored
        from app.printing import registration_form as RF
        from app.printing.fonts import choose_font
        from app.printing.serials import issue_form_serials
        from app.scans import archive
        from tests.app.test_scan_redaction_import import _filled

        clock.set(dt.datetime(2026, 11, 9, 15, 0, tzinfo=CST))
        notice = ensure_default_stored(mgr)
        [s_id] = issue_form_serials(mgr, notice, 1)
        customer = make_member(mgr)
        with mgr.write("forms.match.screenshot") as tx:
            tx.execute("UPDATE form_serials SET matched_member_id = ? WHERE serial = ?", (customer, s_id))
        marks: list = []
        form_pdf = RF.registration_form_pdf(notice, [s_id], font=choose_font(), marks=marks)
        id_page = _filled(form_pdf, 2, marks, dpi=200, rotate=1)
        redacted_doc = import_bytes(mgr, cipher, to_bytes(id_page, "JPEG", quality=85)).documents[0].document_id
        foreign = form_page(None, dpi=200, seed=50).resize(id_page.size)
        foreign.paste(id_page.crop((0, 0, id_page.width, 330)), (0, 0))
        import_bytes(mgr, cipher, to_bytes(foreign, "PNG"))
        clock.set(dt.datetime(2026, 11, 10, 9, 30, tzinfo=CST))

        from ui.context import AppContext
        from ui.dialogs.destroy_originals_dialog import DestroyOriginalsDialog
        from ui.pages.originals_page import OriginalsPage
        from ui.pages.scans_page import ScansPage

        ctx = AppContext(vault, "zh_CN", runner=SyncRunner())
        ctx.set_session(mgr)

        scans = ScansPage(ctx)
        scans.resize(1280, 860)
        scans.show()
        scans.table.selectRow(0)
        scans.result.setStyleSheet("color: #1a7f37")
        scans.result.setText(scans.tr("已导入 2 页：已匹配 0 份，待匹配 0 份，重复 0 份，待店长决定 1 份。"))
        app.processEvents()
        scans.viewer.fit()
        app.processEvents()
        scans.held_panel.open_list()
        app.processEvents()
        scans.grab().save(str(out / "scans-inbox.png"))

        from ui.dialogs.scan_viewer_dialog import ScanViewerDialog

        clerk = vault.sign_in("clerk", "Clerk-pass-12")
        viewer = ScanViewerDialog([p.data for p in archive.document_pages(clerk, cipher, redacted_doc)], "扫描件")
        viewer.resize(760, 1000)
        viewer.show()
        app.processEvents()
        viewer.viewer.fit()
        app.processEvents()
        viewer.grab().save(str(out / "scan-redacted.png"))
        viewer.reject()
        ctx.set_session(mgr)

        page = OriginalsPage(ctx)
        page.resize(1280, 860)
        page.show()
        app.processEvents()
        page.grab().save(str(out / "originals-register.png"))

        page.filter.setCurrentIndex(page.filter.findData(None))
        batch = [o for o in R.list_originals(mgr.db, clock.today(), status="in_cabinet") if o.urgency != "ok"]
        dlg = DestroyOriginalsDialog(ctx, mgr, batch, page)
        dlg.method.setCurrentIndex(dlg.method.findData("vendor"))
        dlg.vendor.setText("上海某某文件销毁有限公司")
        dlg.certificate.setText("XH-2026-1118")
        dlg.witness_user.setText("clerk")
        dlg.show()
        app.processEvents()
        dlg.grab().save(str(out / "destroy-originals-dialog.png"))
        dlg.reject()

        pdf = destruction.destruction_record_pdf(mgr.db, did, store_name="上海南京路店")
        pdf_path = Path(tmp) / "record.pdf"
        pdf_path.write_bytes(pdf)
        subprocess.run(
            ["pdftoppm", "-png", "-r", "60", "-singlefile", str(pdf_path), str(out / "destruction-record")], check=True
        )
        scans.clear()
        vault.close()
    print("written to", out)


if __name__ == "__main__":
    main()
