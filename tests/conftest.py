import base64
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("MEMBERDESK_FAST_KDF", "1")  # cheap Argon2 in tests; real cost is benchmarked
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
if not os.environ.get("MEMBERDESK_HO_MASTER_KEY_FILE"):  # head office's master key (STO-1), one per test run,
    import tempfile  # shared by in-process head offices and `memberdesk-headoffice serve` subprocesses

    _key = Path(tempfile.mkdtemp(prefix="memberdesk-ho-key-")) / "master.key"
    with os.fdopen(os.open(_key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as _fh:
        _fh.write(base64.b64encode(os.urandom(32)).decode() + "\n")
    os.environ["MEMBERDESK_HO_MASTER_KEY_FILE"] = str(_key)

from app.access.vault import Vault  # noqa: E402
from app.clock import FixedClock  # noqa: E402
from app.config import resolve_paths  # noqa: E402
from app.domains import load_all  # noqa: E402

load_all()

MANAGER_PW = "Manager-pass-1"
CLERK_PW = "Clerk-pass-12"


@pytest.fixture
def clock():
    return FixedClock()


@pytest.fixture
def paths(tmp_path):
    return resolve_paths(tmp_path / "data").ensure()


@pytest.fixture
def vault(paths, clock):
    v = Vault(paths, clock=clock)
    yield v
    v.close()


@pytest.fixture
def manager(vault):
    """A freshly set-up store with its first manager signed in."""
    session, recovery = vault.setup(
        store_code="SH-001",
        store_name="上海南京路店",
        terminal_name="DESK-1",
        username="manager",
        display_name="王店长",
        password=MANAGER_PW,
    )
    session.recovery_key = recovery
    return session


@pytest.fixture
def manager_cipher(vault, manager):
    """The cipher of a manager's step-up (SEN-3): opens sealed fields while the test runs, dropped after it."""
    with vault.step_up("manager", MANAGER_PW) as up:
        yield up.cipher


@pytest.fixture
def clerk(vault, manager):
    from app.staff.service import add_staff

    add_staff(vault, manager, username="clerk", display_name="李店员", role="clerk", password=CLERK_PW)
    return vault.sign_in("clerk", CLERK_PW)
