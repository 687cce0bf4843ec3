"""Kill a process at a named crash point and check the store it leaves (issue #17).

`kill_at(template, spec, op)` copies a prepared data folder, forks, and in the child sets
MEMBERDESK_CRASH_AT=spec (`point` or `point:N`, armed by `crashpoints.arm_from_env`) and runs `op(paths,
pipe)`: the child dies with exit code 137 at the point (os._exit: no clean-up, no finally, like a
power cut of the process). Forking a process that has imported the app costs milliseconds, so hundreds
of kills fit in CI; `kill_in_subprocess` does the same with a fresh interpreter (`python -c`), the
way an operator's process dies. `check_store(paths)` then opens the folder as the next start does:
the store opens, the audit chain verifies, nothing staged or temporary is left.
Used by tests/app/test_crashpoints_suite.py, test_password_crash.py, test_staff_slot_crash.py and
bench/bench_crashpoints.py.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from app import crashpoints
from app.access.vault import Vault
from app.audit import chain
from app.clock import FixedClock
from app.config import Paths, resolve_paths
from app.errors import SignInError
from app.requests.restore import apply_ledger
from app.staff.service import add_staff
from app.staff.session import Session

MANAGER_PW = "Manager-pass-1"
CLERK_PW = "Clerk-pass-12"
KILLED = 137


def copy_store(template: Path, target: Path) -> Paths:
    shutil.copytree(template, target)
    return resolve_paths(target)


def kill_at(template: Path, work: Path, spec: str, op: Callable[[Paths, int], None]) -> tuple[int, Paths, bytes]:
    """Run `op` in a forked child armed at `spec`. Returns (exit code, the folder, what the child wrote to
    its pipe before it died)."""
    paths = copy_store(template, work)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        code = 0
        try:
            os.close(read_end)
            os.environ[crashpoints.ENV] = spec
            crashpoints.disarm()
            crashpoints.arm_from_env()
            op(paths, write_end)
        except BaseException:  # noqa: BLE001 - the child reports by exit code only
            code = 3
        finally:
            os._exit(code)
    os.close(write_end)
    data = b""
    with os.fdopen(read_end, "rb") as fh:
        data = fh.read()
    _pid, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), paths, data


def kill_in_subprocess(template: Path, work: Path, spec: str, code: str) -> tuple[int, Paths]:
    """The same with a fresh interpreter: `code` runs with `paths` bound to the copied folder."""
    paths = copy_store(template, work)
    env = dict(os.environ, MEMBERDESK_CRASH_AT=spec, MEMBERDESK_FAST_KDF="1")
    root = Path(__file__).resolve().parents[2]
    env["PYTHONPATH"] = str(root)
    prog = (
        "from app.domains import load_all; load_all()\n"
        "from app.config import resolve_paths\n"
        f"paths = resolve_paths({str(work)!r})\n" + code
    )
    r = subprocess.run([sys.executable, "-c", prog], env=env, cwd=root, capture_output=True, timeout=120)
    return r.returncode, paths


def new_store(root: Path, store_code: str, store_name: str) -> tuple[Vault, Session, str]:
    """A store in `root`/store with the manager and a clerk (MANAGER_PW, CLERK_PW), signed in as the manager.
    Returns (vault, session, recovery key text); close the vault."""
    paths = resolve_paths(root / "store").ensure()
    vault = Vault(paths, clock=FixedClock())
    session, recovery = vault.setup(
        store_code=store_code,
        store_name=store_name,
        terminal_name="DESK-1",
        username="manager",
        display_name="王店长",
        password=MANAGER_PW,
    )
    add_staff(vault, session, username="clerk", display_name="李店员", role="clerk", password=CLERK_PW)
    return vault, session, recovery


def opens(paths: Paths, username: str, password: str) -> bool:
    """The next start, signed in to by `username`: True when the store opened for them."""
    vault = Vault(paths, clock=FixedClock())
    vault.acquire_instance_lock()
    try:
        vault.sign_in(username, password)
        return True
    except SignInError:
        return False
    finally:
        vault.close()


def kill_admin(template: Path, work: Path, spec: str, argv: list[str], stdin_lines: list[str]) -> tuple[int, Paths]:
    """`memberdesk-admin --data-dir <work> --password-stdin *argv` killed at `spec` in a fresh interpreter, the
    secrets on its stdin one per line (never on the command line)."""
    secrets_in = "".join(line + "\n" for line in stdin_lines)
    code = (
        "import io, sys\nfrom app.cli import main\n"
        f"sys.stdin = io.StringIO({secrets_in!r})\n"
        f"main(['--data-dir', {str(work)!r}, '--password-stdin', *{argv!r}])\n"
    )
    return kill_in_subprocess(template, work, spec, code)


def sign_in(paths: Paths, username: str = "manager", password: str = MANAGER_PW) -> tuple[Vault, Session]:
    vault = Vault(paths, clock=FixedClock())
    vault.acquire_instance_lock()
    return vault, vault.sign_in(username, password)


def check_store(paths: Paths) -> tuple[Vault, Session]:
    """The next start: the store opens, later erasures are re-applied, the audit chain verifies, and no
    staged or temporary file is left. Returns the signed-in vault and session (close the vault)."""
    vault, session = sign_in(paths)
    apply_ledger(session, paths)
    result = chain.verify(session.db)
    assert result.ok, result.reason  # rule: SEC-2
    leftovers = [
        p.name
        for p in paths.data_dir.rglob("*")
        if p.name.endswith((".tmp", ".new")) or p.name in ("rekey.confirmed", ".restore-staging")
    ]
    assert leftovers == [], leftovers
    return vault, session
