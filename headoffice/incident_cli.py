"""`memberdesk-headoffice incident …`: the incident register (PIPL Art. 57) from the admin command.

  incident add --title T --found "2027-01-15 09:30" [--occurred …] [--stores SH-001,BJ-002]
               [--data-kinds mobile,name] [--people N]          (description from standard input)
  incident list | show ID
  incident measures ID                                          (measures from standard input)
  incident authority ID --when "2027-01-15 15:00" --authority NAME
  incident people ID [--when …] --how TEXT                      (no --when: why the people were not told)
  incident close ID
Times are Beijing time. The same functions as the console (headoffice.incidents), actor "cli".
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from app.errors import UserError
from app.messages import render
from headoffice import incidents
from headoffice.console.views import fmt_time


def add_parser(sub: Any) -> None:
    p = sub.add_parser("incident", help="the personal-information incident register (PIPL Art. 57)")
    cs = p.add_subparsers(dest="incident_cmd", required=True)
    a = cs.add_parser("add")
    a.add_argument("--title", required=True)
    a.add_argument("--found", required=True, help="when it was found, Beijing time")
    a.add_argument("--occurred", help="when it happened, Beijing time")
    a.add_argument("--stores", default="")
    a.add_argument("--data-kinds", default="", help=",".join(incidents.DATA_KINDS))
    a.add_argument("--people")
    cs.add_parser("list")
    for name in ("show", "measures", "close"):
        cs.add_parser(name).add_argument("id")
    au = cs.add_parser("authority")
    au.add_argument("id")
    au.add_argument("--when", required=True)
    au.add_argument("--authority", required=True)
    pe = cs.add_parser("people")
    pe.add_argument("id")
    pe.add_argument("--when")
    pe.add_argument("--how", required=True)


def _split(text: str) -> list[str]:
    return [x for x in text.replace("，", ",").split(",") if x.strip()]


def _show(i: dict) -> None:
    print(f"incident {i['id']}: {i['title']}")
    print(f"  found {fmt_time(i['found_at'], 'en')}, occurred {fmt_time(i['occurred_at'], 'en')}")
    print(f"  stores {', '.join(i['stores']) or 'chain-wide'}; data {', '.join(i['data_kinds']) or '-'}")
    print(f"  deadline {fmt_time(i['deadline_at'], 'en')} ({i['hours_left']} h left)")
    print(f"  authority {i['authority_state']} {fmt_time(i['authority_told_at'], 'en')} {i['authority'] or ''}")
    print(f"  people {i['people_state']} {fmt_time(i['people_told_at'], 'en')} {i['people_told_how'] or ''}")
    print(f"  closed {fmt_time(i['closed_at'], 'en')}")


def incident(ho: Any, args: argparse.Namespace) -> int:
    actor = "cli"
    try:
        cmd = args.incident_cmd
        if cmd == "add":
            iid = incidents.record(
                ho,
                actor,
                title=args.title,
                description=sys.stdin.read(),
                found_at=incidents.parse_beijing(args.found),
                occurred_at=incidents.parse_beijing(args.occurred) if args.occurred else None,
                stores=_split(args.stores),
                data_kinds=_split(args.data_kinds),
                people_affected=args.people,
            )
            print(f"incident {iid} recorded")
        elif cmd == "list":
            for i in incidents.list_incidents(ho):
                state = "closed" if i["closed_at"] else f"{i['hours_left']} h left"
                print(
                    f"{i['id']:>5} {fmt_time(i['found_at'], 'en')}  authority {i['authority_state']:<8}"
                    f" people {i['people_state']:<8} {state:<14} {i['title']}"
                )
        elif cmd == "show":
            row = incidents.get(ho, args.id)
            if row is None:
                print(render("incident.unknown", "en"), file=sys.stderr)
                return 1
            _show(row)
        elif cmd == "measures":
            incidents.update_measures(ho, actor, args.id, sys.stdin.read())
            print(f"incident {args.id}: measures saved")
        elif cmd == "authority":
            incidents.mark_authority_told(ho, actor, args.id, incidents.parse_beijing(args.when), args.authority)
            print(f"incident {args.id}: authority told")
        elif cmd == "people":
            when = incidents.parse_beijing(args.when) if args.when else None
            incidents.mark_people_told(ho, actor, args.id, when, args.how)
            print(f"incident {args.id}: people told" if when else f"incident {args.id}: reason recorded")
        elif cmd == "close":
            incidents.close(ho, actor, args.id)
            print(f"incident {args.id} closed")
    except UserError as exc:
        print(render(exc.key, "en", **exc.params), file=sys.stderr)
        return 1
    return 0
