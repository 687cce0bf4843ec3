"""The admin tool: every command has --help; passwords come from a prompt or stdin, never argv."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
COMMANDS = [
    "setup",
    "verify-audit",
    "backup",
    "list-backups",
    "restore",
    "rekey",
    "reset-password",
    "settings",
    "staff",
]


def run(args, stdin="", data_dir=None):
    env = dict(os.environ, PYTHONPATH=str(ROOT), MEMBERDESK_FAST_KDF="1")
    cmd = [sys.executable, "-m", "app.cli"] + (["--data-dir", str(data_dir)] if data_dir else []) + args
    return subprocess.run(cmd, input=stdin, capture_output=True, text=True, env=env, timeout=120, cwd=ROOT)


@pytest.mark.parametrize("command", COMMANDS)
def test_help_for_each_command(command):
    r = run([command, "--help"])
    assert r.returncode == 0 and "usage:" in r.stdout


def test_no_option_takes_a_password():
    r = run(["--help"])
    assert "--password " not in r.stdout and "--password=" not in r.stdout


def test_setup_backup_verify_and_settings(tmp_path):
    d = tmp_path / "store"
    r = run(
        [
            "--username",
            "wang",
            "--password-stdin",
            "setup",
            "--store-code",
            "BJ-002",
            "--store-name",
            "北京店",
            "--terminal",
            "DESK-2",
            "--display-name",
            "王经理",
        ],
        "Manager-pass-1\n",
        d,
    )
    assert r.returncode == 0, r.stderr
    key_line = r.stdout.strip().splitlines()[-1]
    assert len(key_line.replace("-", "")) == 52
    r = run(["--username", "wang", "--password-stdin", "verify-audit"], "Manager-pass-1\n", d)
    assert r.returncode == 0 and json.loads(r.stdout)["ok"] is True
    r = run(
        ["--username", "wang", "--password-stdin", "settings", "--set", "idle_lock_minutes=3"], "Manager-pass-1\n", d
    )
    assert r.returncode == 0 and json.loads(r.stdout)["idle_lock_minutes"] == 3
    r = run(["--username", "wang", "--password-stdin", "backup"], "Manager-pass-1\n", d)
    bundle = json.loads(r.stdout)["backup"]
    r = run(
        ["--username", "wang", "--password-stdin", "restore", bundle, "--target", str(tmp_path / "restored")],
        "Manager-pass-1\n",
        d,
    )
    assert r.returncode == 0, r.stderr
    r = run(["--username", "wang", "--password-stdin", "verify-audit"], "Manager-pass-1\n", tmp_path / "restored")
    assert json.loads(r.stdout)["ok"] is True
    r = run(["--username", "wang", "--password-stdin", "backup"], "wrong-password\n", d)
    assert r.returncode == 2 and "用户名或密码不正确" in r.stderr


def test_shared_options_work_after_the_subcommand_and_the_recovery_sheet_is_owner_only(tmp_path):
    d = tmp_path / "store"
    sheet = tmp_path / "recovery.pdf"
    sheet.write_bytes(b"old")
    os.chmod(sheet, 0o644)  # an existing file is made owner-only too
    r = run(
        [
            "setup",
            "--store-code",
            "BJ-003",
            "--store-name",
            "北京店",
            "--terminal",
            "DESK-3",
            "--display-name",
            "王经理",
            "--recovery-sheet",
            str(sheet),
            "--username",
            "wang",
            "--password-stdin",
            "--data-dir",
            str(d),
        ],
        "Manager-pass-1\n",
    )
    assert r.returncode == 0, r.stderr
    assert (d / "keyslots.json").exists() or any(d.iterdir())
    assert sheet.read_bytes().startswith(b"%PDF")
    assert (sheet.stat().st_mode & 0o777) == 0o600  # rule: STO-1 (the key that opens the encrypted store)
    r = run(["verify-audit", "--username", "wang", "--password-stdin", "--data-dir", str(d)], "Manager-pass-1\n")
    assert r.returncode == 0 and json.loads(r.stdout)["ok"] is True
    # staff add reads two lines: the admin's own password, then the new member's temporary password
    r = run(
        [
            "staff",
            "add",
            "--new-username",
            "li",
            "--display-name",
            "李",
            "--username",
            "wang",
            "--password-stdin",
            "--data-dir",
            str(d),
        ],
        "Manager-pass-1\nTemp-pass-22\n",
    )
    assert r.returncode == 0, r.stderr
    r = run(["--username", "wang", "--password-stdin", "staff", "list"], "Manager-pass-1\n", d)
    assert "li" in {s.get("username") for s in json.loads(r.stdout)}


@pytest.mark.parametrize("command,lines", [("staff", 2), ("rekey", 3), ("reset-password", 2), ("setup", 1)])
def test_help_says_what_password_stdin_reads(command, lines):
    r = run([command, "--help"])
    assert "with --password-stdin, stdin holds one line each" in r.stdout
    assert f"  {lines}. " in r.stdout and f"  {lines + 1}. " not in r.stdout


def _setup_store(d: Path) -> str:
    """A store made by the admin command; returns its recovery key."""
    r = run(
        [
            *("--username", "wang", "--password-stdin", "setup", "--store-code", "BJ-009"),
            *("--store-name", "北京店", "--terminal", "DESK-9", "--display-name", "王经理"),
        ],
        "Manager-pass-1\n",
        d,
    )
    assert r.returncode == 0, r.stderr
    return r.stdout.strip().splitlines()[-1]


def _rekey_typing_back(d: Path, answer) -> tuple[int, str, str, str]:
    """Run `rekey --password-stdin` as a script would: the two passwords, read stdout up to the new recovery
    key, then write `answer(key)` back. Returns (exit code, the key printed, rest of stdout, stderr)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), MEMBERDESK_FAST_KDF="1")
    cmd = [sys.executable, "-m", "app.cli", "--data-dir", str(d), "--username", "wang", "--password-stdin", "rekey"]
    p = subprocess.Popen(
        cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT
    )
    assert p.stdin is not None and p.stdout is not None
    p.stdin.write("Manager-pass-1\nManager-pass-1\n")
    p.stdin.flush()
    line = p.stdout.readline()
    assert "NEW RECOVERY KEY" in line, line
    key = p.stdout.readline().strip()
    out, err = p.communicate(answer(key) + "\n", timeout=120)
    return p.returncode, key, out, err


def _recovery_works(d: Path, key: str) -> bool:
    r = run(["--username", "wang", "--password-stdin", "reset-password"], f"{key}\nManager-pass-2\n", d)
    return r.returncode == 0


def test_rekey_prints_the_new_key_and_swaps_only_when_it_is_typed_back(tmp_path):
    d = tmp_path / "store"
    old = _setup_store(d)
    code, shown, _out, err = _rekey_typing_back(d, lambda key: "AAAA-" + key[5:])  # one character group wrong
    assert code == 2 and "so the rekey was cancelled" in err, err
    assert "密钥更换已取消" in err  # both languages
    assert not _recovery_works(d, shown)  # the key never confirmed opens nothing
    assert not list(d.glob("*.new")) and not (d / "rekey.confirmed").exists()  # the staged files went
    code, shown, out, err = _rekey_typing_back(d, lambda key: key.lower().replace("-", " "))
    assert code == 0, err
    assert "rekey done" in out
    assert not _recovery_works(d, old)  # the old recovery key stopped working
    assert _recovery_works(d, shown)  # the key printed and typed back is the one that works
