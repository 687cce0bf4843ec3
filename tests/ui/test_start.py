"""Starting the app: without a display it says what to do and creates nothing (exit 2, before set-up in
./run.sh); Ctrl+C and SIGTERM quit through Qt and a demo store is removed."""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _no_display_env(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env.update(TMPDIR=str(tmp), MEMBERDESK_DATA_DIR=str(tmp_path / "data"), PYTHONPATH=str(ROOT))
    return env, tmp


@pytest.mark.parametrize("args", [[], ["--demo"]])
def test_without_a_display_the_app_says_what_to_do_and_creates_nothing(tmp_path, args):
    env, tmp = _no_display_env(tmp_path)
    proc = subprocess.run(
        [sys.executable, "-m", "ui.main", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "找不到图形显示" in proc.stderr and "No display found" in proc.stderr
    assert "xvfb-run memberdesk" in proc.stderr and "memberdesk --self-test" in proc.stderr
    assert "Traceback" not in proc.stderr and "Aborted" not in proc.stderr
    assert not (tmp_path / "data").exists()  # no empty data folder left behind
    assert not any(tmp.iterdir())  # no demo store either


def test_run_sh_without_a_display_stops_before_set_up(tmp_path):
    work = tmp_path / "checkout"
    work.mkdir()
    shutil.copy(ROOT / "run.sh", work / "run.sh")  # a copy: if the check failed, set-up runs out there
    env, _tmp = _no_display_env(tmp_path)
    proc = subprocess.run(["bash", str(work / "run.sh")], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert (
        "找不到图形显示" in proc.stderr and "xvfb-run ./run.sh" in proc.stderr and "./run.sh --self-test" in proc.stderr
    )
    assert sorted(p.name for p in work.iterdir()) == ["run.sh"]  # no .venv, nothing installed
    assert not (tmp_path / "data").exists()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_quits_through_qt_and_removes_the_demo_store(tmp_path, sig):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = dict(
        os.environ,
        TMPDIR=str(tmp),
        QT_QPA_PLATFORM="offscreen",
        MEMBERDESK_FAST_KDF="1",
        MEMBERDESK_DATA_DIR=str(tmp_path / "real"),
        PYTHONPATH=str(ROOT),
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "ui.main", "--demo"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and proc.poll() is None:
            logs = [p for p in tmp.rglob("*.log*") if p.is_file()]
            if any("started" in p.read_text("utf-8", "replace") for p in logs):
                break
            time.sleep(0.3)
        else:
            pytest.fail("the demo did not start: " + (proc.stderr.read()[-2000:] if proc.poll() is not None else ""))
        assert list(tmp.glob("memberdesk-demo-*"))  # the demo store with its key slots is there
        proc.send_signal(sig)
        _out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 128 + sig, err[-2000:]
    assert "Traceback" not in err
    assert not any(tmp.iterdir())  # rule: STO-1
