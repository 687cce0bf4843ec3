"""`memberdesk --self-test`: prove that an installed copy (source checkout or PyInstaller bundle) works.

In a throwaway store in a temporary folder it: sets up the encrypted store with its first manager,
signs out and in again, registers a synthetic member through the registration service, prints a
registration form to PDF and reads it back, verifies the audit hash chain, checks that the member's
mobile number is not readable in the database files, then deletes the folder. Each step prints one
line; the exit code is 0 only when every step passed.

The UI adds its own checks (Qt platform plugin, fonts, translations) with `extra_checks`; this module
never imports Qt. The test data is synthetic and marked 自检 (self-test); nothing is logged.
"""

from __future__ import annotations

import os
import platform
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from app import __version__

STORE_CODE = "SELFTEST"
MANAGER = ("selftest", "Self-test-pass-1")
MEMBER_NAME = "自检·测试"  # clearly not a real person
MEMBER_MOBILE = "19800000001"


@dataclass
class Context:
    """What the steps share. `extra_checks` get it too (paths, vault, session, tmp)."""

    tmp: Path
    # filled step by step (set-up creates them); Any: each step checks what it needs, a failure is reported
    paths: Any = None
    vault: Any = None
    session: Any = None
    member_id: str | None = None
    pdf: Path | None = None
    notes: dict = field(default_factory=dict)


class CheckFailed(Exception):
    """A step ran but its result was wrong (the text says what, never personal data)."""


def _describe(exc: BaseException) -> str:
    from app.errors import UserError

    if isinstance(exc, CheckFailed):
        return str(exc)
    if isinstance(exc, UserError):
        return f"{exc.key}: {exc.message('en')}"
    if isinstance(exc, ImportError):  # a module left out of the bundle: its name helps
        return f"{type(exc).__name__}: {exc.name or ''}"
    return f"{type(exc).__name__}"


# -- the steps -------------------------------------------------------------------------
def step_environment(ctx: Context) -> str:
    import sqlcipher3

    from app.config import resource_dir
    from app.domains import load_all

    load_all()
    res = resource_dir()
    for rel in ("notices/default.zh_CN.json", "notices/default.en.json"):
        if not (res / rel).is_file():
            raise CheckFailed(f"resource missing: {rel}")
    conn = sqlcipher3.connect(":memory:")
    try:
        version = conn.execute("PRAGMA cipher_version").fetchone()
    finally:
        conn.close()
    if not version or not version[0]:
        raise CheckFailed("SQLCipher is not available (PRAGMA cipher_version is empty)")
    return f"MemberDesk {__version__}, Python {platform.python_version()}, SQLCipher {version[0]}"


def step_setup(ctx: Context) -> str:
    from app.access.vault import Vault
    from app.config import resolve_paths

    ctx.paths = resolve_paths(ctx.tmp / "data").ensure()
    ctx.vault = Vault(ctx.paths)
    ctx.vault.acquire_instance_lock()
    session, recovery = ctx.vault.setup(
        store_code=STORE_CODE,
        store_name="自检门店",
        terminal_name="SELFTEST",
        username=MANAGER[0],
        display_name="自检店长",
        password=MANAGER[1],
    )
    if not recovery or not ctx.paths.db.exists() or not ctx.paths.keyslots.exists():
        raise CheckFailed("set-up did not create the store files")
    ctx.session = session
    return "encrypted store and first manager created"


def step_sign_in(ctx: Context) -> str:
    ctx.vault.lock()
    ctx.session = ctx.vault.sign_in(*MANAGER)
    if not ctx.session.staff.is_manager:
        raise CheckFailed("signed-in staff is not the manager")
    return "locked, signed in again with the password"


def step_register(ctx: Context) -> str:
    from app.members.service import cipher_for, get_member
    from app.notices.model import REQUIRED_PURPOSE

    session = ctx.session
    cipher = cipher_for(ctx.vault)
    from app.flows.registration import RegistrationFlow, Step

    flow = RegistrationFlow(session, lang="zh_CN")
    flow.next()  # NOTICE -> CONSENT (notice read)
    for p in flow.notice.purposes:
        flow.decide(p.code, p.code == REQUIRED_PURPOSE)
    flow.next()  # -> FIELDS
    flow.set_value("name", MEMBER_NAME)
    flow.set_value("mobile", MEMBER_MOBILE)
    flow.set_under_14(False)  # no birth date: the under-14 question is answered (CON-4)
    if flow.next() is not Step.REVIEW:
        raise CheckFailed(f"registration flow stopped at {flow.step.value}")
    result = flow.submit(cipher)
    how = "registration flow"
    ctx.member_id = result["id"]
    view = get_member(session, ctx.member_id)
    if view.mobile_masked != MEMBER_MOBILE[:3] + "****" + MEMBER_MOBILE[-4:]:
        raise CheckFailed("the member read back does not match what was registered")
    consents = session.db.scalar("SELECT count(*) FROM consent_records WHERE member_id = ?", (ctx.member_id,))
    if not consents:
        raise CheckFailed("no consent record was stored with the member")
    return f"member {result['member_no']} registered through the {how}, with its consent record"


def step_print(ctx: Context) -> str:
    from pypdf import PdfReader

    from app.notices import current_notice
    from app.printing.fonts import choose_font
    from app.printing.registration_form import issue_registration_forms
    from app.printing.serials import mark_printed

    session = ctx.session
    notice = current_notice(session.db, "zh_CN")
    font = choose_font()
    serials, pdf = issue_registration_forms(session, notice, 1, store_name="自检门店", font=font)
    mark_printed(session, serials)
    ctx.pdf = ctx.tmp / "registration-form.pdf"
    ctx.pdf.write_bytes(pdf)
    reader = PdfReader(str(ctx.pdf))
    pages = len(reader.pages)
    if pages < 2:
        raise CheckFailed(f"the registration form has {pages} page(s), expected 2")
    text = "".join(page.extract_text() or "" for page in reader.pages)
    if serials[0] not in text:
        raise CheckFailed("the form serial is not printed on the form")
    return f"registration form {serials[0]}: {pages} pages, {len(pdf) // 1024} KiB, font {font.label}"


def step_audit(ctx: Context) -> str:
    from app.audit import chain

    result = chain.verify(ctx.session.db)
    if not result.ok:
        raise CheckFailed(f"audit chain broken at entry {result.first_broken}: {result.reason}")
    actions = {r[0] for r in ctx.session.db.all("SELECT action FROM audit_log")}
    for needed in ("store.setup", "member.register"):
        if needed not in actions:
            raise CheckFailed(f"audit log has no '{needed}' entry")
    return f"{result.entries} entries, hash chain intact"


def step_encrypted(ctx: Context) -> str:
    ctx.session.db.checkpoint()
    needles = [MEMBER_MOBILE.encode(), MEMBER_NAME.encode("utf-8"), MEMBER_NAME.encode("utf-16-le")]
    checked = 0
    for p in ctx.paths.data_dir.iterdir():
        if p.is_file():
            data = p.read_bytes()
            checked += 1
            if any(n in data for n in needles):
                raise CheckFailed(f"member data readable in plain text in {p.name}")
    return f"{checked} files in the data folder, no member data in plain text"


def step_cleanup(ctx: Context) -> str:
    if ctx.vault is not None:
        ctx.vault.close()
        ctx.vault = None
    shutil.rmtree(ctx.tmp)
    if ctx.tmp.exists():
        raise CheckFailed("the temporary folder could not be removed")
    return "temporary store deleted"


STEPS: list[tuple[str, Callable[[Context], str]]] = [
    ("environment", step_environment),
    ("set-up", step_setup),
    ("sign-in", step_sign_in),
    ("register member", step_register),
    ("print form", step_print),
    ("audit chain", step_audit),
    ("encryption at rest", step_encrypted),
]


def run(
    out: TextIO | None = None,
    *,
    extra_checks: list[tuple[str, Callable[[Context], str]]] | None = None,
    verbose: bool = False,
) -> int:
    """Run every step (extra_checks after the core ones, before clean-up). Returns the exit code."""
    out = out or sys.stdout
    tmp = Path(tempfile.mkdtemp(prefix="memberdesk-selftest-"))
    ctx = Context(tmp=tmp)
    failures = 0
    started = time.perf_counter()
    print(f"MemberDesk {__version__} self-test", file=out)
    steps = STEPS + list(extra_checks or [])
    skip_rest = False
    for name, fn in steps:
        if skip_rest:
            print(f"  [skip] {name}", file=out)
            continue
        t0 = time.perf_counter()
        try:
            detail = fn(ctx)
        except BaseException as exc:  # noqa: BLE001 - every failure is reported, none escapes
            failures += 1
            print(f"  [FAIL] {name}: {_describe(exc)}", file=out)
            if verbose:
                traceback.print_exc(file=out)
            if name in ("environment", "set-up"):
                skip_rest = True  # nothing after this can work
            continue
        print(f"  [ok]   {name} ({(time.perf_counter() - t0) * 1000:.0f} ms): {detail}", file=out)
    try:
        detail = step_cleanup(ctx)
        print(f"  [ok]   clean-up: {detail}", file=out)
    except BaseException as exc:  # noqa: BLE001
        failures += 1
        print(f"  [FAIL] clean-up: {_describe(exc)}", file=out)
    total = time.perf_counter() - started
    verdict = "PASSED" if not failures else f"FAILED ({failures} step(s))"
    print(f"self-test {verdict} in {total:.1f} s", file=out)
    out.flush()
    return 0 if not failures else 1


def main() -> int:  # `python -m app.selftest`: the core checks without Qt
    return run(verbose=os.environ.get("MEMBERDESK_SELFTEST_VERBOSE") == "1")


if __name__ == "__main__":
    sys.exit(main())
