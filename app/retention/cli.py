"""`memberdesk-admin retention-sweep`: the daily retention sweep for the OS scheduler (cron, systemd
timer, Windows Task Scheduler), registered by app/cli.py (CLI_PLUGINS).

    memberdesk-admin --data-dir DIR --username wang --password-stdin retention-sweep < pwfile
    memberdesk-admin --data-dir DIR --username wang retention-sweep --dry-run
    memberdesk-admin --data-dir DIR --username wang retention-sweep --force --report-csv r.csv --report-pdf r.pdf
    memberdesk-admin --data-dir DIR --username wang --password-stdin pos-import /srv/pos-drop   # watched folder

Without --force the sweep runs only if today's has not run yet (like the app's timer); --dry-run and --force are
a manager's (retention.view / retention.sweep). The output is
JSON with counts and dates only (no personal data); reports are written only where asked.
Exit code 0 on success, 2 on a user error (the message is printed in Chinese and English).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.errors import UserError
from app.printing.letter_layout import StoreInfo
from app.purchases.pos_import import import_pos_file, import_pos_folder
from app.retention import apply_sweep, dry_run, list_runs, sweep_due
from app.retention.report import purge_report_csv, purge_report_pdf

if TYPE_CHECKING:
    from app.cli import Ctx


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser("retention-sweep", help="run the retention sweep (RET-1..4); --dry-run only counts")
    p.add_argument("--dry-run", action="store_true", help="count what is due, delete nothing")
    p.add_argument("--force", action="store_true", help="run even if today's sweep already ran")
    p.add_argument("--report-csv", help="write the purge report (CSV, no personal data) to this file")
    p.add_argument("--report-pdf", help="write the purge report (PDF, no personal data) to this file")
    p.set_defaults(func=run)
    q = subparsers.add_parser("pos-import", help="import POS export files (CSV/JSON) or every new file in a folder")
    q.add_argument("paths", nargs="+", help="files, or folders the POS drops its exports into")
    q.set_defaults(func=run_pos_import)


def run_pos_import(args: argparse.Namespace, ctx: Ctx) -> int:
    """Output: per file the counts and the rejected line numbers with reasons (no values)."""
    session = ctx.sign_in()
    report: list[dict[str, Any]] = []
    failed = 0
    for raw in args.paths:
        path = Path(raw)
        if path.is_dir():
            items = import_pos_folder(session, path)
        else:
            try:
                items = [(path.name, import_pos_file(session, path), None)]
            except UserError as exc:
                items = [(path.name, None, exc.key)]
        for name, res, err in items:
            if res is None:
                failed += 1
                report.append({"file": name, "error": err})
            else:
                report.append(
                    {
                        "file": name,
                        "accepted": res.accepted,
                        "duplicates": res.duplicates,
                        "already_imported": res.already_done,
                        "resumed_after_line": res.resumed_from,
                        "rejected": [{"line": ln, "reason": r, "column": c} for ln, r, c in res.rejected],
                    }
                )
    print(json.dumps(report, ensure_ascii=False, indent=1))
    return 2 if failed else 0


def run(args: argparse.Namespace, ctx: Ctx) -> int:
    session = ctx.sign_in()
    ledger = ctx.paths.erasure_ledger
    result: dict | None
    cipher = ctx.vault.field_cipher()  # seals only: ID numbers past their maximum age get their mask (RET-4)
    if args.dry_run:
        result = dry_run(session, trigger="admin")  # a manager's (retention.view)
    elif args.force:
        result = apply_sweep(
            session, ledger_path=ledger, trigger="admin", cipher=cipher
        )  # a manager's (retention.sweep)
    else:
        due = sweep_due(session, ledger_path=ledger, trigger="admin", cipher=cipher)
        if due is None:
            print(json.dumps({"skipped": "already ran today"}, ensure_ascii=False))
            return 0
        result = due
    print(json.dumps(result, ensure_ascii=False, indent=1, sort_keys=True))
    if args.report_csv or args.report_pdf:
        run_row = next((r for r in list_runs(session.db, 50) if r["id"] == result.get("run_id")), None)
        if run_row is not None:
            if args.report_csv:
                Path(args.report_csv).write_bytes(purge_report_csv(run_row))
            if args.report_pdf:
                term = ctx.vault.terminal()
                store = StoreInfo(code=session.store_code, name=term.get("store_name") or session.store_code)
                Path(args.report_pdf).write_bytes(
                    purge_report_pdf(run_row, store, staff_name=session.staff.display_name)
                )
    return 0
