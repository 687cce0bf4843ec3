#!/usr/bin/env bash
# Build the Linux one-folder bundle: dist/memberdesk/ (memberdesk, memberdesk-admin, install.sh).
#   bash packaging/build_linux.sh          build (and run the bundle's self-test)
#   bash packaging/build_linux.sh --tar    also pack dist/memberdesk-<version>-linux-<arch>.tar.gz
# Needs the venv from ./run.sh setup and PyInstaller (`.venv/bin/pip install -e ".[package]"`).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PY="$ROOT/.venv/bin/python"
[ -x "$PY" ] || { echo "no .venv: run ./run.sh setup first" >&2; exit 1; }
if ! "$PY" -c "import PyInstaller" 2>/dev/null; then
  "$PY" -m pip install -q -e ".[package]"
fi
VERSION=$("$PY" -c "import app; print(app.__version__)")
start=$(date +%s)

# 1. translations: .ts -> .qm (bundled from resources/i18n)
for ts in resources/i18n/*.ts; do
  [ -e "$ts" ] && "$ROOT/.venv/bin/pyside6-lrelease" -silent "$ts" -qm "${ts%.ts}.qm"
done

# 2. the bundle
"$PY" -m PyInstaller --noconfirm ${MEMBERDESK_BUILD_CLEAN:---clean} --log-level WARN \
  --distpath "$ROOT/dist" --workpath "$ROOT/build/pyinstaller" packaging/memberdesk.spec
B="$ROOT/dist/memberdesk"
cp packaging/memberdesk.desktop "$B/memberdesk.desktop"
cp packaging/install_linux.sh "$B/install.sh"; chmod +x "$B/install.sh"
echo "$VERSION" > "$B/VERSION"
built=$(date +%s)

# 3. the bundle checks itself
QT_QPA_PLATFORM=offscreen "$B/memberdesk" --self-test
tested=$(date +%s)

echo "bundle: $B  version $VERSION  size $(du -sh "$B" | cut -f1)  files $(find "$B" -type f | wc -l)"
echo "build $((built - start)) s, self-test $((tested - built)) s"
if [ "${1:-}" = "--tar" ]; then
  tar -C "$ROOT/dist" -czf "$ROOT/dist/memberdesk-$VERSION-linux-$(uname -m).tar.gz" memberdesk
  ls -lh "$ROOT/dist/memberdesk-$VERSION-linux-$(uname -m).tar.gz"
fi
