#!/usr/bin/env bash
# MemberDesk: one script for a newcomer on a fresh Debian/Ubuntu machine.
#   ./run.sh            set up everything that is missing, then start the app (embedded defaults)
#   ./run.sh test       set up, then run the whole test suite
#   ./run.sh lint       set up, then ruff (lint + format check) and mypy, as CI runs them
#   ./run.sh admin ...  the admin tool (memberdesk-admin ...)
#   ./run.sh headoffice ...  the head-office service tool
# Set-up installs what is missing: a Python virtual environment (.venv) with the packages from
# pyproject.toml, the Qt runtime libraries and a CJK font (with apt, as root or through sudo),
# and builds the English translation (.qm).
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(pwd)
VENV="$ROOT/.venv"

say() { printf '\033[1m[memberdesk]\033[0m %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else return 1; fi
}

APT_UPDATED=0
apt_install() {   # apt_install pkg... : install the Debian packages that are not installed yet
  command -v dpkg-query >/dev/null 2>&1 || return 0
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing system packages: ${missing[*]}"
  if [ $APT_UPDATED = 0 ]; then as_root apt-get update -qq || true; APT_UPDATED=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null \
    || say "could not install ${missing[*]} (no root/sudo?): install them yourself if the app fails to start"
}

find_python() {
  for c in python3.11 python3.12 python3.13 python3; do
    if command -v "$c" >/dev/null 2>&1 && "$c" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
      echo "$c"; return 0
    fi
  done
  say "Python 3.11 or newer is required"; exit 1
}

setup() {
  # Qt runtime libraries (offscreen and xcb) and a CJK font that reportlab can embed. The tests need nothing
  # else from the system: they render PDFs with pypdfium2 and run only this Python and bash.
  apt_install libgl1 libegl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3 libglib2.0-0 \
              libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-render-util0 libxcb-image0 \
              libxcb-randr0 libxcb-xinerama0 fonts-wqy-microhei
  local py; py=$(find_python)
  if [ ! -x "$VENV/bin/python" ]; then
    say "creating virtual environment .venv"
    if ! "$py" -m venv "$VENV" 2>/dev/null; then
      apt_install python3-venv
      rm -rf "$VENV"; "$py" -m venv "$VENV"
    fi
  fi
  local stamp="$VENV/.installed"
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    say "installing Python packages (first run takes a few minutes)"
    "$VENV/bin/python" -m pip install -q --upgrade pip
    "$VENV/bin/python" -m pip install -q -e ".[test]"
    touch "$stamp"
  fi
  # English translation: Qt Linguist .ts -> .qm
  for ts in resources/i18n/*.ts; do
    [ -e "$ts" ] || continue
    qm="${ts%.ts}.qm"
    if [ ! -f "$qm" ] || [ "$ts" -nt "$qm" ]; then
      "$VENV/bin/pyside6-lrelease" "$ts" -qm "$qm" >/dev/null 2>&1 || say "could not build $qm"
    fi
  done
}

cmd="${1:-start}"
case "$cmd" in -*) set -- start "$@"; cmd=start ;; esac   # ./run.sh --demo, ./run.sh --data-dir DIR
case "$cmd" in
  start)
    shift || true
    # No display: say what to do and stop before installing or creating anything (ui/main.py checks too).
    case " $* " in *" --self-test "*|*" --version "*|*" --help "*|*" -h "*) ;; *)
      if [ "$(uname -s)" != Darwin ] && [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ] \
          && [ -z "${QT_QPA_PLATFORM:-}" ]; then
        echo "找不到图形显示，MemberDesk 无法打开窗口（未创建任何文件）。请在桌面会话中运行；" >&2
        echo "没有桌面的电脑可用虚拟显示运行：xvfb-run ./run.sh；只检查安装是否可用：./run.sh --self-test。" >&2
        echo "No display found: MemberDesk cannot open its window (nothing was created). Run it in a desktop" >&2
        echo "session; on a machine without one, use a virtual display: xvfb-run ./run.sh; to check the" >&2
        echo "installation only: ./run.sh --self-test." >&2
        exit 2
      fi ;;
    esac
    setup
    export MEMBERDESK_VIA_RUN_SH=1
    exec "$VENV/bin/python" -m ui.main "$@"
    ;;
  test)
    setup
    shift
    export QT_QPA_PLATFORM=offscreen
    exec "$VENV/bin/python" -m pytest -q "$@"
    ;;
  lint)
    setup
    status=0
    "$VENV/bin/ruff" check . || status=1
    "$VENV/bin/ruff" format --check . || status=1
    "$VENV/bin/mypy" || status=1
    exit $status
    ;;
  admin)
    setup >/dev/null
    shift
    exec "$VENV/bin/python" -m app.cli "$@"
    ;;
  headoffice)
    setup >/dev/null
    shift
    exec "$VENV/bin/python" -m headoffice.cli "$@"
    ;;
  setup)
    setup
    ;;
  *)
    echo "usage: ./run.sh [start|test|lint|setup|admin ...|headoffice ...]" >&2; exit 2
    ;;
esac
