"""`memberdesk-headoffice console-user add|list|disable`: head-office staff accounts for the console.

The password comes from a prompt (twice) or from standard input with --password-stdin, never argv.
"""

from __future__ import annotations

import getpass
import sys

from headoffice.console.accounts import MIN_PASSWORD, ROLES, AccountError, ConsoleAccounts
from headoffice.console.i18n import translator


def add_parser(sub) -> None:
    p = sub.add_parser("console-user", help="head-office console accounts")
    cs = p.add_subparsers(dest="console_cmd", required=True)
    a = cs.add_parser("add")
    a.add_argument("username")
    a.add_argument("--role", choices=ROLES, required=True)
    a.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    cs.add_parser("list")
    d = cs.add_parser("disable")
    d.add_argument("username")


def _password(args) -> str | None:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass(f"password (at least {MIN_PASSWORD} characters): ")
    if getpass.getpass("again: ") != first:
        print("the two passwords differ", file=sys.stderr)
        return None
    return first


def console_user(storage, clock, args) -> int:
    accounts = ConsoleAccounts(storage, clock=clock)
    t = translator("en")
    try:
        if args.console_cmd == "add":
            pw = _password(args)
            if pw is None:
                return 1
            accounts.add_user(args.username, args.role, pw, actor="cli")
            print(f"console user {args.username.strip().lower()} added ({args.role})")
        elif args.console_cmd == "list":
            for u in accounts.list_users():
                print(f"{u['username']:<24} {u['role']:<11} {'disabled' if u['disabled'] else 'active'}")
        elif args.console_cmd == "disable":
            accounts.disable_user(args.username, actor="cli")
            print(f"console user {args.username.strip().lower()} disabled; their sessions are closed")
    except AccountError as exc:
        print(t(exc.code), file=sys.stderr)
        return 1
    return 0
