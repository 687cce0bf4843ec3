"""`memberdesk --self-test`: passes on a working install, fails (non-zero) when a step is broken, leaves
nothing behind, and never prints the test member's data."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app import selftest

ROOT = Path(__file__).resolve().parents[2]


def _run_with(monkeypatch, tmp_path, extra_step=None, before="audit chain"):
    """Run the core self-test (no Qt) with temp files under tmp_path; optionally insert a step."""
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    steps = list(selftest.STEPS)
    if extra_step is not None:
        idx = [name for name, _ in steps].index(before)
        steps.insert(idx, extra_step)
    monkeypatch.setattr(selftest, "STEPS", steps)
    out = io.StringIO()
    code = selftest.run(out)
    return code, out.getvalue()


@pytest.mark.slow
def test_self_test_from_source_passes_and_cleans_up(tmp_path):
    env = dict(os.environ, TMPDIR=str(tmp_path), QT_QPA_PLATFORM="offscreen")
    env.pop("MEMBERDESK_FAST_KDF", None)  # the real key derivation, as installed
    proc = subprocess.run(
        [sys.executable, "-m", "ui.main", "--self-test"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=240
    )
    report = proc.stdout + proc.stderr
    assert proc.returncode == 0, report
    assert "self-test PASSED" in report
    for step in ("set-up", "register member", "print form", "audit chain", "encryption at rest", "main window"):
        assert f"[ok]   {step}" in report, report
    assert selftest.MEMBER_MOBILE not in report and selftest.MEMBER_NAME not in report
    assert not list(tmp_path.glob("memberdesk-selftest-*"))  # rule: STO-1


def test_core_self_test_passes(monkeypatch, tmp_path):
    code, report = _run_with(monkeypatch, tmp_path)
    assert code == 0, report
    assert "self-test PASSED" in report
    assert not any(tmp_path.iterdir())  # rule: STO-1


def test_self_test_fails_on_a_tampered_audit_chain(monkeypatch, tmp_path):
    def tamper(ctx):
        ctx.session.db.conn.execute("UPDATE audit_log SET action = 'member.view' WHERE action = 'member.register'")
        return "audit entry altered"

    code, report = _run_with(monkeypatch, tmp_path, ("tamper", tamper), before="audit chain")
    assert code == 1  # rule: SEC-2
    assert "[FAIL] audit chain" in report
    assert "self-test FAILED" in report
    assert not any(tmp_path.iterdir())


def test_self_test_fails_when_member_data_is_on_disk_in_plain_text(monkeypatch, tmp_path):
    def leak(ctx):
        (ctx.paths.data_dir / "export.csv").write_text(f"x,{selftest.MEMBER_MOBILE}\n", "utf-8")
        return "plain-text file written"

    code, report = _run_with(monkeypatch, tmp_path, ("leak", leak), before="encryption at rest")
    assert code == 1
    assert "[FAIL] encryption at rest: member data readable in plain text in export.csv" in report  # rule: STO-1
    assert selftest.MEMBER_MOBILE not in report
    assert not any(tmp_path.iterdir())


def test_a_failed_set_up_skips_the_rest_and_exits_non_zero(monkeypatch, tmp_path):
    def broken_setup(ctx):
        raise selftest.CheckFailed("set-up did not create the store files")

    monkeypatch.setattr(
        selftest,
        "STEPS",
        [
            ("environment", selftest.step_environment),
            ("set-up", broken_setup),
            ("register member", selftest.step_register),
        ],
    )
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    out = io.StringIO()
    assert selftest.run(out) == 1
    assert "[skip] register member" in out.getvalue()
    assert not any(tmp_path.iterdir())
