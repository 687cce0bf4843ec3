#!/usr/bin/env bash
# Install the MemberDesk bundle on Linux (copied into the bundle as install.sh).
#   sudo ./install.sh             -> /opt/memberdesk, menu entry for every user
#   ./install.sh --user           -> ~/.local/opt/memberdesk, menu entry for this user
#   ./install.sh --uninstall [--user]   removes the program and the menu entry; the data folder
#                                        (~/.local/share/MemberDesk) is left alone unless --purge-data
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
MODE=system; ACTION=install; PURGE=0
for a in "$@"; do
  case "$a" in
    --user) MODE=user ;;
    --uninstall) ACTION=uninstall ;;
    --purge-data) PURGE=1 ;;
    *) echo "usage: $0 [--user] [--uninstall [--purge-data]]" >&2; exit 2 ;;
  esac
done
if [ "$MODE" = system ]; then
  DEST=/opt/memberdesk; APPS=/usr/share/applications; ICONS=/usr/share/icons/hicolor; BIN=/usr/local/bin
else
  DEST="$HOME/.local/opt/memberdesk"; APPS="$HOME/.local/share/applications"; ICONS="$HOME/.local/share/icons/hicolor"
  BIN="$HOME/.local/bin"
fi
if [ "$ACTION" = uninstall ]; then
  rm -rf "$DEST" "$APPS/memberdesk.desktop" "$BIN/memberdesk" "$BIN/memberdesk-admin"
  for s in 16 32 48 128 256; do rm -f "$ICONS/${s}x${s}/apps/memberdesk.png"; done
  rm -f "$ICONS/scalable/apps/memberdesk.svg"
  if [ "$PURGE" = 1 ]; then
    rm -rf "${XDG_DATA_HOME:-$HOME/.local/share}/MemberDesk" "${XDG_STATE_HOME:-$HOME/.local/state}/MemberDesk" \
           "${XDG_CACHE_HOME:-$HOME/.cache}/MemberDesk"
    echo "MemberDesk and its data were removed."
  else
    echo "MemberDesk was removed. The data folder was kept (remove it with --uninstall --purge-data)."
  fi
  exit 0
fi
if [ "$HERE" != "$DEST" ]; then
  mkdir -p "$(dirname "$DEST")"
  rm -rf "$DEST.new"; cp -a "$HERE" "$DEST.new"; rm -rf "$DEST"; mv "$DEST.new" "$DEST"
fi
mkdir -p "$APPS" "$BIN"
sed "s#@BUNDLE@#$DEST#g" "$DEST/memberdesk.desktop" > "$APPS/memberdesk.desktop"
for s in 16 32 48 128 256; do
  mkdir -p "$ICONS/${s}x${s}/apps"; cp "$DEST/_internal/resources/icons/memberdesk-$s.png" "$ICONS/${s}x${s}/apps/memberdesk.png"
done
mkdir -p "$ICONS/scalable/apps"; cp "$DEST/_internal/resources/icons/memberdesk.svg" "$ICONS/scalable/apps/memberdesk.svg"
ln -sf "$DEST/memberdesk" "$BIN/memberdesk"; ln -sf "$DEST/memberdesk-admin" "$BIN/memberdesk-admin"
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database "$APPS" >/dev/null 2>&1 || true
echo "MemberDesk installed in $DEST (menu: Office > MemberDesk). Check it with: $DEST/memberdesk --self-test"
