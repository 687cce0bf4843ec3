"""Linux install.sh on a stand-in bundle: menu entry and icons installed, and uninstalling leaves the data
folder alone unless --purge-data is given. Also: the version lives in one place."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def bundle(tmp_path):
    """A stand-in for dist/memberdesk (the real one is built by packaging/build_linux.sh in CI)."""
    b = tmp_path / "dist" / "memberdesk"
    icons = b / "_internal" / "resources" / "icons"
    icons.mkdir(parents=True)
    for f in (ROOT / "resources" / "icons").iterdir():
        shutil.copy(f, icons / f.name)
    shutil.copy(ROOT / "packaging" / "memberdesk.desktop", b / "memberdesk.desktop")
    shutil.copy(ROOT / "packaging" / "install_linux.sh", b / "install.sh")
    for exe in ("memberdesk", "memberdesk-admin"):
        (b / exe).write_text("#!/bin/sh\necho MemberDesk\n")
        (b / exe).chmod(0o755)
    return b


def _run(bundle_dir, home, *args):
    env = dict(os.environ, HOME=str(home))
    for k in ("XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        env.pop(k, None)
    return subprocess.run(
        ["bash", str(bundle_dir / "install.sh"), *args], env=env, capture_output=True, text=True, timeout=60, check=True
    )


def test_user_install_and_uninstall_keeps_the_data(bundle, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    _run(bundle, home, "--user")
    dest = home / ".local" / "opt" / "memberdesk"
    desktop = (home / ".local" / "share" / "applications" / "memberdesk.desktop").read_text()
    assert f"Exec={dest}/memberdesk %U" in desktop and "@BUNDLE@" not in desktop
    assert (home / ".local/share/icons/hicolor/48x48/apps/memberdesk.png").exists()
    assert (home / ".local/bin/memberdesk").resolve() == (dest / "memberdesk").resolve()

    data = home / ".local" / "share" / "MemberDesk"
    data.mkdir(parents=True)
    (data / "memberdesk.db").write_bytes(b"encrypted")
    out = _run(dest, home, "--uninstall", "--user")
    assert not dest.exists() and not (home / ".local/share/applications/memberdesk.desktop").exists()
    assert (data / "memberdesk.db").read_bytes() == b"encrypted"  # the data stays unless asked
    assert "kept" in out.stdout

    _run(bundle, home, "--user")
    _run(dest, home, "--uninstall", "--user", "--purge-data")
    assert not data.exists()


def test_version_comes_from_one_place():
    import tomllib

    import app

    meta = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    assert "version" not in meta["project"] and "version" in meta["project"]["dynamic"]
    assert meta["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "app.__version__"}
    out = subprocess.run(
        [sys.executable, "-m", "ui.main", "--version"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
        timeout=60,
    )
    assert out.stdout.strip() == f"MemberDesk {app.__version__}"
    iss = (ROOT / "packaging" / "memberdesk.iss").read_text("utf-8")
    assert "AppVersion={#AppVersion}" in iss and app.__version__ not in iss  # passed in by the build
