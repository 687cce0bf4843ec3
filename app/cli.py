"""memberdesk-admin: command-line tool for IT (set-up without GUI, audit check, backup, restore,
rekey, settings, staff). Passwords and recovery keys are read from a prompt or from stdin
(--password-stdin), never from argv.

    memberdesk-admin --data-dir DIR setup --store-code SH-001 --store-name 南京路店 --terminal DESK-1 \
        --username wang --display-name 王店长
    memberdesk-admin --data-dir DIR verify-audit --username wang
    memberdesk-admin --data-dir DIR backup --username wang
    memberdesk-admin [--data-dir OLDDIR] restore BUNDLE --target NEWDIR --username wang
        (the manager signs in to the RESTORED copy: the old store may be corrupt or gone)
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app import __version__
from app.access.backup import create_backup, list_backups, read_manifest
from app.access.rekey import abandon_rekey, begin_rekey, finish_rekey
from app.access.vault import Vault
from app.audit import chain
from app.audit.journal import journal_for, take_in_now
from app.config import DEFAULTS, resolve_paths
from app.domains import load_all
from app.errors import UserError
from app.logs import setup_logging
from app.notices import ensure_default_stored
from app.requests.restore import apply_ledger, newest_backup_ledger, restore_with_ledger
from app.retention import cli as retention_cli
from app.settings import all_settings, set_setting
from app.staff import permissions as P, service as staff_service
from app.sync.anchor import anchor_status, local_matches_anchor

if TYPE_CHECKING:
    from app.staff.session import Session

# Domain modules that add subcommands: each exposes add_parser(subparsers) setting func=handler(args, ctx).
CLI_PLUGINS = [retention_cli.add_parser]  # subcommands of other domains
LANG = "zh_CN"


class Ctx:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        # restore works in the NEW folder: the old one (--data-dir) may be gone or unreadable, it is only read
        root = args.target if getattr(args, "command", None) == "restore" else args.data_dir
        self.paths = resolve_paths(root).ensure()
        setup_logging(self.paths.log_dir)
        self.vault = Vault(self.paths)

    def secret(self, prompt: str) -> str:
        if self.args.password_stdin:
            # one line at a time, when it is needed: `rekey` prints the new recovery key before it reads the
            # line that types it back, so a script reads stdout and then writes that line
            line = sys.stdin.readline()
            if not line:
                raise SystemExit("stdin: not enough lines")
            return line.rstrip("\r\n")
        return getpass.getpass(prompt)

    def sign_in(self) -> Session:
        if not self.args.username:
            raise SystemExit("--username is required for this command")
        self.vault.acquire_instance_lock()
        session = self.vault.sign_in(self.args.username, self.secret("密码 / password: "))

        apply_ledger(session, self.paths)  # later erasures first (RIG-3), as the app does at sign-in
        ensure_default_stored(session)  # this release's default notice, as the app does at sign-in (NOT-2)
        return session


def write_secret(path: str | Path, data: bytes) -> None:
    """Write a file only its owner can read (mode 0600 from the first byte; an existing file is truncated and
    made 0600 too): the recovery sheet holds the recovery key."""

    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, 0o600)
        os.write(fd, data)
    finally:
        os.close(fd)


def out(obj: Any) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=1, default=str))


# -- commands ---------------------------------------------------------------------------
def cmd_setup(a: argparse.Namespace, c: Ctx) -> int:
    pw = c.secret("新店长密码 / new manager password: ")
    if not a.password_stdin and getpass.getpass("再次输入 / repeat: ") != pw:
        raise SystemExit("passwords differ")
    c.vault.acquire_instance_lock()
    session, recovery = c.vault.setup(
        store_code=a.store_code,
        store_name=a.store_name,
        terminal_name=a.terminal,
        username=a.username,
        display_name=a.display_name,
        password=pw,
    )
    print("恢复密钥 / RECOVERY KEY (print it and lock it away; it is shown only once):")
    print(recovery)
    if a.recovery_sheet:
        from app.printing.recovery_sheet import render_recovery_sheet

        write_secret(
            a.recovery_sheet,
            render_recovery_sheet(
                recovery_key=recovery,
                store_code=session.store_code,
                store_name=a.store_name,
                created=session.clock.now().strftime("%Y-%m-%d"),
            ),
        )
        print(f"recovery sheet written: {a.recovery_sheet}")
    return 0


def cmd_verify_audit(a: argparse.Namespace, c: Ctx) -> int:

    session = c.sign_in()
    session.require(P.AUDIT_VERIFY)

    take_in_now(session.db)  # reads left in the read-audit journal (a crash) are chained and checked too
    r = chain.verify(session.db)
    anchor = anchor_status(session.db)
    # SEC-2: how far head office has confirmed the chain; a chain rewritten since no longer holds that head
    matches = local_matches_anchor(session.db)
    ok = r.ok and matches is not False
    out(
        {
            "ok": ok,
            "entries": r.entries,
            # reads this command took from the read-audit journal into the chain (its sign-in's writes included)
            "read_journal_taken_in": journal_for(session.db).taken,
            "first_broken": r.first_broken,
            "reason": r.reason or ("differs from the head head office confirmed" if matches is False else ""),
            "anchored_seq": anchor["anchor_seq"],
            "anchored_at": anchor["anchored_at"],
            "anchor_matches": matches,
            "head_office_alarm": (anchor["alarm"] or {}).get("kind"),
        }
    )
    return 0 if ok else 3


def cmd_backup(a: argparse.Namespace, c: Ctx) -> int:

    session = c.sign_in()
    path = create_backup(c.vault, session, keep=a.keep)
    out({"backup": str(path)})
    return 0


def cmd_list_backups(a: argparse.Namespace, c: Ctx) -> int:

    out(
        [{"file": str(p), **{k: v for k, v in read_manifest(p).items() if k != "files"}} for p in list_backups(c.paths)]
    )
    return 0


def cmd_restore(a: argparse.Namespace, c: Ctx) -> int:

    if not a.username:
        raise SystemExit("--username is required for this command (a manager of the restored store)")
    bundle, target = Path(a.bundle), c.paths
    ledger_files, ledgers = [], [newest_backup_ledger(bundle.parent)]
    old = resolve_paths(a.data_dir)  # the old folder (--data-dir or the default), if it still exists: only read
    if old.data_dir == target.data_dir:
        raise SystemExit("--target must be a new, empty folder, not the old data folder")
    ledger_files.append(old.erasure_ledger)
    ledgers.append(newest_backup_ledger(old.backup_dir))

    def sign_in(vault: Vault) -> Session:  # the manager signs in to the restored copy with its own key slots (SEC-1)
        if a.recovery_key:
            recovery = c.secret("恢复密钥 / recovery key: ")
            return vault.reset_password_with_recovery(recovery, a.username, c.secret("新密码 / new password: "))
        return vault.sign_in(a.username, c.secret("备份时的密码 / your password as of the backup: "))

    # every erasure the old folder and the newest backups know is merged and re-applied now (RIG-3)
    manifest = restore_with_ledger(bundle, target, ledgers, ledger_files, sign_in=sign_in, replay=True)
    out(
        {
            "restored_to": str(target.data_dir),
            "created_at": manifest.get("created_at"),
            "store_code": manifest.get("store_code"),
            "erasures_reapplied": manifest.get("reapplied", 0),
        }
    )
    return 0


def cmd_rekey(a: argparse.Namespace, c: Ctx) -> int:
    """Two steps (app.access.rekey): stage, print the new recovery key, have it typed back, then swap. Until
    it is typed back correctly nothing changes and the old recovery key keeps working."""

    session = c.sign_in()
    pw = c.secret("再次输入您的密码以确认 / your password again: ")
    plan = begin_rekey(c.vault, session, pw)
    try:
        print("新的恢复密钥 / NEW RECOVERY KEY (write it down; the old one works until this one is typed back):")
        print(plan.recovery_key, flush=True)
        tries = 1 if a.password_stdin else 3
        for attempt in range(1, tries + 1):
            typed = c.secret("请输入上面的新恢复密钥以确认 / type the new recovery key back to confirm: ")
            try:
                finish_rekey(c.vault, plan, typed)
                break
            except UserError as exc:
                if exc.key != "rekey.confirm_mismatch":
                    raise
                if attempt == tries:
                    raise UserError("rekey.cancelled_mismatch") from None
                print(exc.message(LANG), file=sys.stderr)
                print(exc.message("en"), file=sys.stderr)
    finally:
        if not plan.done:
            abandon_rekey(c.vault, plan)
    print("密钥已更换 / rekey done: the new recovery key is now the only one that works.")
    print("Other staff accounts were disabled: a manager sets each a temporary password.")
    return 0


def cmd_reset_password(a: argparse.Namespace, c: Ctx) -> int:
    c.vault.acquire_instance_lock()
    key = c.secret("恢复密钥 / recovery key: ")
    pw = c.secret("新密码 / new password: ")
    c.vault.reset_password_with_recovery(key, a.username, pw)
    print("password reset")
    return 0


def cmd_settings(a: argparse.Namespace, c: Ctx) -> int:

    session = c.sign_in()
    if a.set:
        key, _, value = a.set.partition("=")
        try:
            value = json.loads(value)
        except ValueError:
            pass
        set_setting(session, key.strip(), value)
    out(all_settings(session.db))
    return 0


def cmd_staff(a: argparse.Namespace, c: Ctx) -> int:

    session = c.sign_in()
    if a.action == "list":
        out(staff_service.list_staff(session))
    elif a.action == "add":
        pw = c.secret("新员工临时密码 / temporary password: ")
        s = staff_service.add_staff(
            c.vault, session, username=a.new_username, display_name=a.display_name, role=a.role, password=pw
        )
        out({"added": s.id})
    elif a.action in ("disable", "enable"):
        row = session.db.one("SELECT id FROM staff WHERE username = ?", (a.new_username,))
        if row is None:
            raise UserError("error.not_found")
        temporary = c.secret("临时密码 / temporary password: ") if a.action == "enable" else None
        staff_service.set_disabled(c.vault, session, row["id"], a.action == "disable", password=temporary)
        out({a.action: a.new_username})
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="memberdesk-admin",
        description="MemberDesk administration for IT",
        epilog=STDIN_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--version", action="version", version=f"MemberDesk {__version__}")
    add_common_options(p, None)
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("setup", help="create the encrypted store and the first manager (no GUI)")
    s.add_argument("--store-code", required=True)
    s.add_argument("--store-name", required=True)
    s.add_argument("--terminal", required=True)
    s.add_argument("--display-name", required=True)
    s.add_argument("--recovery-sheet", help="also write the printable recovery-key sheet (PDF) here")
    s.set_defaults(func=cmd_setup)

    sub.add_parser("verify-audit", help="check the audit hash chain; exit 3 if broken").set_defaults(
        func=cmd_verify_audit
    )
    b = sub.add_parser("backup", help="write an encrypted backup now (rotates old ones)")
    b.add_argument("--keep", type=int, help="how many backups to keep (default: setting backup_keep)")
    b.set_defaults(func=cmd_backup)
    sub.add_parser("list-backups", help="list backups with their manifests").set_defaults(func=cmd_list_backups)
    r = sub.add_parser(
        "restore",
        help="restore a backup into a new, empty data folder; needs nothing of the old store",
        description=(
            "Verify BUNDLE (manifest and hashes), unpack it into the empty folder --target, and sign in to the "
            "RESTORED copy: --username is a manager as of the backup, with their password as of the backup (or, "
            "with --recovery-key, the store's recovery key and a new password). The old data folder is not "
            "opened: it may be corrupt, its key slots gone, or the disk lost. If --data-dir (the old folder) "
            "is given and readable, its erasure ledger and newest backup are merged too; every later erasure "
            "is re-applied before the command ends. The restore is audited in the restored store."
        ),
    )
    r.add_argument("bundle", help="the .mdbak file")
    r.add_argument("--target", required=True, help="the new, empty data folder")
    r.add_argument(
        "--recovery-key",
        action="store_true",
        help="sign in with the recovery key (prompted) and set a new password for --username",
    )
    r.set_defaults(func=cmd_restore)
    sub.add_parser(
        "rekey",
        help="rotate the data key (prints a new recovery key, which must be typed back)",
        description=(
            "Prepare a copy of the store under a new data key, print the NEW RECOVERY KEY and read it back. "
            "Only when the key typed back matches are the files swapped; otherwise the rekey is cancelled, "
            "nothing changes and the old recovery key keeps working. At a prompt you get 3 tries; with "
            "--password-stdin one line."
        ),
    ).set_defaults(func=cmd_rekey)
    sub.add_parser("reset-password", help="set a new password for --username with the recovery key").set_defaults(
        func=cmd_reset_password
    )
    st = sub.add_parser("settings", help=f"show settings, or change one: --set key=value ({', '.join(DEFAULTS)})")
    st.add_argument("--set", metavar="KEY=VALUE")
    st.set_defaults(func=cmd_settings)
    sf = sub.add_parser("staff", help="list, add, disable or enable staff accounts")
    sf.add_argument("action", choices=["list", "add", "disable", "enable"])
    sf.add_argument("--new-username", dest="new_username")
    sf.add_argument("--display-name", dest="display_name", default="")
    sf.add_argument("--role", choices=["clerk", "manager"], default="clerk")
    sf.set_defaults(func=cmd_staff)

    for add_parser in CLI_PLUGINS:
        add_parser(sub)
    # the shared options work before or after the subcommand (`--username wang backup` = `backup --username wang`)
    for name, sp in sub.choices.items():
        add_common_options(sp, argparse.SUPPRESS)
        if name in STDIN_LINES:
            sp.epilog = "with --password-stdin, stdin holds one line each:\n" + "\n".join(
                f"  {i}. {line}" for i, line in enumerate(STDIN_LINES[name], 1)
            )
            sp.formatter_class = argparse.RawDescriptionHelpFormatter
    return p


# What --password-stdin reads, line by line, per command (the order of Ctx.secret calls).
_SIGN_IN = "your password (--username)"
STDIN_LINES = {
    "setup": ["the new manager's password (for --username)"],
    "verify-audit": [_SIGN_IN],
    "backup": [_SIGN_IN],
    "restore": [
        "your password as of the backup (--username); with --recovery-key: the recovery key",
        "with --recovery-key only: the new password for --username",
    ],
    "settings": [_SIGN_IN],
    "rekey": [
        _SIGN_IN,
        "your password again (confirmation)",
        "the new recovery key, typed back: the command prints it on stdout (the line after\n"
        "     'NEW RECOVERY KEY') and only then reads this line, so a script reads stdout first and then\n"
        "     writes the key (dashes and case do not matter); a wrong key cancels the rekey, nothing changes",
    ],
    "reset-password": ["the recovery key", "the new password for --username"],
    "staff": [_SIGN_IN, "add/enable only: the new staff member's temporary password"],
    "retention-sweep": [_SIGN_IN],
    "pos-import": [_SIGN_IN],
}
STDIN_HELP = (
    "Secrets are never options: they come from a prompt, or with --password-stdin from stdin, one per "
    "line.\nSee `memberdesk-admin COMMAND --help` for the lines each command reads. --data-dir, "
    "--username and\n--password-stdin may come before or after the command."
)


def add_common_options(parser: argparse.ArgumentParser, default: Any) -> None:
    """--data-dir, --username, --password-stdin: on the main parser (real defaults) and on every subcommand
    (default SUPPRESS, so an option given before the command is not reset by the subparser)."""
    kw = {} if default is None else {"default": default}
    parser.add_argument("--data-dir", help="data folder (default: the user data folder; env MEMBERDESK_DATA_DIR)", **kw)
    parser.add_argument("--username", help="your staff user name (sign-in)", **kw)
    parser.add_argument(
        "--password-stdin",
        action="store_true",
        help=("read passwords/keys from stdin, one per line, instead of prompting (see the command's --help)"),
        **kw,
    )


def main(argv: list[str] | None = None) -> int:
    load_all()
    parser = build_parser()
    args = parser.parse_args(argv)
    # setup and restore/reset-password take --username themselves
    if args.command == "setup" and not args.username:
        parser.error("setup needs --username for the first manager")
    c = Ctx(args)
    try:
        return int(args.func(args, c) or 0)
    except UserError as exc:
        print(exc.message(LANG), file=sys.stderr)
        print(exc.message("en"), file=sys.stderr)
        return 2
    finally:
        c.vault.close()


if __name__ == "__main__":
    sys.exit(main())
