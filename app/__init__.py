"""MemberDesk core. Never imports PySide6 (tests/app/test_layout.py enforces it)."""

__version__ = "0.5.0"
APP_NAME = "MemberDesk"
APP_AUTHOR = "MemberDesk"
