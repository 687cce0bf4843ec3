"""memberdesk-headoffice: run the head-office service and administer it.

  memberdesk-headoffice serve --db URL --host 127.0.0.1 --port 8443 --cert server.pem --key server.key
                              [--workers N]   (N processes on one socket: PostgreSQL only)
  memberdesk-headoffice create-store SH-001 "上海南京路店"        -> prints the one-time enrolment code
  memberdesk-headoffice publish-notice notice.json              (a published notice version, JSON)
  memberdesk-headoffice publish-policy policy.json              (retention rules, JSON)
  memberdesk-headoffice publish-holidays 2027 holidays-2027.json
  memberdesk-headoffice set-interval 15
  memberdesk-headoffice erase MEMBER_ID [--request REQ]         (an erasure order for every store)
  memberdesk-headoffice stores | overdue [--today YYYY-MM-DD] | receipts MEMBER_ID | quarantine | prune
                              (times and "today" in Beijing time, as on the console)
  memberdesk-headoffice audit-ack STORE                         (IT has looked into an audit anchoring alarm)
  memberdesk-headoffice rotate-master-key --new-key-file NEW    (rewrap every data key; then switch to NEW)
  memberdesk-headoffice new-master-key FILE                     (write a fresh 0600 master key file)
  memberdesk-headoffice incident add|list|show|measures|authority|people|close   (PIPL Art. 57 register)
The storage URL comes from --db or MEMBERDESK_HO_DB (default sqlite:///headoffice.db);
PostgreSQL: postgresql://user@host/db. Input files never travel through argv as data.
The master key (docs/headoffice.md): --master-key-file or MEMBERDESK_HO_MASTER_KEY_FILE; for SQLite
without either, `<db>.masterkey` beside the database (created 0600 at first start). PostgreSQL needs one.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from starlette.applications import Starlette

from app.errors import UserError
from app.messages import render
from headoffice import crypto, incident_cli
from headoffice.console import cli as console_cli
from headoffice.console.views import beijing_date, fmt_time
from headoffice.server import MAX_UPLOADS, create_app
from headoffice.service import HeadOffice
from headoffice.storage import open_storage

SERVE_ENV = "MEMBERDESK_HO_SERVE"  # settings handed from `serve --workers N` to each worker process (no secrets)


def _load_json(path: str):
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def worker_app() -> Starlette:
    """The app of one worker process of `serve --workers N`: uvicorn imports this factory in each process.
    The parent checked the settings (and created the schema) before starting the workers."""
    cfg = json.loads(os.environ[SERVE_ENV])
    storage = open_storage(cfg["db"], pool_size=int(cfg["pool"]))
    storage.hold_while_open("serving")
    ho = HeadOffice(
        storage,
        horizon_days=int(cfg["horizon_days"]),
        keep_scans=bool(cfg["keep_scans"]),
        keys=crypto.Keyring.from_file(cfg["master_key_file"]),
    )
    return create_app(ho, max_uploads=int(cfg["max_uploads"]))


def workers_refusal(db: str, workers: int) -> str | None:
    """Why `serve --workers N` cannot run on this database (None: it can)."""
    if workers < 1:
        return "--workers must be 1 or more"
    if workers > 1 and not db.startswith(("postgresql://", "postgres://")):
        return (
            f"serve --workers {workers} needs PostgreSQL: SQLite has a single writer and no locks shared between"
            " processes, so it runs one process (--workers 1, the default)"
        )
    return None


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="memberdesk-headoffice", description="MemberDesk head office")
    p.add_argument("--db", default=os.environ.get("MEMBERDESK_HO_DB", "sqlite:///headoffice.db"))
    p.add_argument("--horizon-days", type=int, default=int(os.environ.get("MEMBERDESK_HO_HORIZON_DAYS", "90")))
    p.add_argument(
        "--store-scans-at-store-only",
        action="store_true",
        help="policy: scans stay at the store; head office keeps only the rows",
    )
    p.add_argument("--master-key-file", help=f"head office's master key (else ${crypto.ENV_KEY_FILE})")
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8443)
    s.add_argument("--cert")
    s.add_argument("--key")
    s.add_argument("--insecure-http", action="store_true", help="no TLS (loopback tests only)")
    s.add_argument("--workers-pool", type=int, default=4, help="database connections per process")
    s.add_argument("--workers", type=int, default=1, help="service processes on one socket (PostgreSQL only)")
    s.add_argument("--max-uploads", type=int, default=MAX_UPLOADS, help="request bodies held at once, per process")
    c = sub.add_parser("create-store")
    c.add_argument("code")
    c.add_argument("name")
    c.add_argument("--ttl-hours", type=int, default=72)
    for name in ("publish-notice", "publish-policy"):
        x = sub.add_parser(name)
        x.add_argument("file")
        x.add_argument("--store")
    h = sub.add_parser("publish-holidays")
    h.add_argument("year", type=int)
    h.add_argument("file")
    i = sub.add_parser("set-interval")
    i.add_argument("minutes", type=int)
    e = sub.add_parser("erase")
    e.add_argument("member_id")
    e.add_argument("--request")
    sub.add_parser("stores")
    o = sub.add_parser("overdue")
    o.add_argument("--today", help="YYYY-MM-DD (default: today in Beijing)")
    r = sub.add_parser("receipts")
    r.add_argument("member_id")
    sub.add_parser("quarantine")
    sub.add_parser("prune")
    a = sub.add_parser("audit-ack")
    a.add_argument("store")
    k = sub.add_parser("rotate-master-key")
    k.add_argument("--new-key-file", required=True)
    n = sub.add_parser("new-master-key")
    n.add_argument("file")
    console_cli.add_parser(sub)
    incident_cli.add_parser(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.cmd == "new-master-key":
        try:
            crypto.new_master_key_file(args.file)
        except FileExistsError:
            print(f"{args.file} exists: not overwritten", file=sys.stderr)
            return 2
        kid = crypto.master_id(crypto.read_master_key_file(args.file))
        print(f"master key written to {args.file} (0600, id {kid})")
        return 0
    refusal = workers_refusal(args.db, args.workers) if args.cmd == "serve" else None
    if refusal:
        print(refusal, file=sys.stderr)
        return 2
    try:
        path, create = crypto.resolve_master_key_file(args.db, args.master_key_file)
        keys = crypto.Keyring.from_file(path, create=create)
        new_keys = crypto.Keyring.from_file(args.new_key_file) if args.cmd == "rotate-master-key" else None
    except crypto.KeyProblem as exc:
        print(f"head office will not start: {exc}", file=sys.stderr)
        return 2
    storage = open_storage(args.db, pool_size=getattr(args, "workers_pool", 2))
    try:
        ho = HeadOffice(
            storage, horizon_days=args.horizon_days, keep_scans=not args.store_scans_at_store_only, keys=keys
        )
    except crypto.KeyProblem as exc:
        storage.close()
        print(f"head office will not start: {exc}", file=sys.stderr)
        return 2
    try:
        if new_keys is not None:
            try:
                n = ho.rotate_master_key(new_keys)
            except crypto.KeyProblem as exc:
                print(f"not rotated: {exc}", file=sys.stderr)
                return 2
            print(
                f"{n} key(s) rewrapped from master key {keys.master_id} to {new_keys.master_id};"
                f" now point --master-key-file / ${crypto.ENV_KEY_FILE} at {args.new_key_file}"
            )
            return 0
        if args.cmd == "serve":
            import uvicorn

            if not args.insecure_http and not (args.cert and args.key):
                print("serve needs --cert and --key (TLS); --insecure-http only for loopback tests", file=sys.stderr)
                return 2
            if args.insecure_http and args.host not in ("127.0.0.1", "localhost", "::1"):
                print("--insecure-http is allowed on loopback only", file=sys.stderr)
                return 2
            tls = {} if args.insecure_http else {"ssl_certfile": args.cert, "ssl_keyfile": args.key}
            opts: dict[str, Any] = dict(host=args.host, port=args.port, log_level="warning", access_log=False, **tls)
            if args.workers == 1:
                storage.hold_while_open("serving")
                try:
                    with storage.read() as c:  # a rotation that finished before the hold: refuse the old key
                        keys.check(c)
                except crypto.KeyProblem as exc:
                    print(f"head office will not start: {exc}", file=sys.stderr)
                    return 2
                uvicorn.run(create_app(ho, max_uploads=args.max_uploads), timeout_graceful_shutdown=2, **opts)
                return 0
            # N processes on one socket (uvicorn binds it, then starts the workers); each builds its own
            # HeadOffice from these settings. The database holds everything they share (docs/headoffice.md).
            storage.close()
            os.environ[SERVE_ENV] = json.dumps(
                {
                    "db": args.db,
                    "pool": args.workers_pool,
                    "horizon_days": args.horizon_days,
                    "keep_scans": not args.store_scans_at_store_only,
                    "master_key_file": str(path),
                    "max_uploads": args.max_uploads,
                }
            )
            uvicorn.run(
                "headoffice.cli:worker_app", factory=True, workers=args.workers, timeout_graceful_shutdown=2, **opts
            )
        elif args.cmd == "create-store":
            code = ho.create_store(args.code, args.name, args.ttl_hours)
            print(f"store {args.code} enrolment code: {code} (valid {args.ttl_hours} h, one use)")
        elif args.cmd == "publish-notice":
            try:
                fid = ho.publish("notice", _load_json(args.file), args.store)
            except UserError as exc:  # NOT-2: a version number already used for another text
                print(render(exc.key, "en", **exc.params), file=sys.stderr)
                return 2
            print(f"notice published (feed {fid})")
        elif args.cmd == "publish-policy":
            try:
                fid = ho.publish("retention_policy", _load_json(args.file), args.store)
            except UserError as exc:  # RET-1..3: over the policy's limits without a legal basis
                print(render(exc.key, "en", **exc.params), file=sys.stderr)
                return 2
            print(f"retention policy published (feed {fid})")
        elif args.cmd == "publish-holidays":
            fid = ho.publish("holiday_table", {"year": args.year, "days": _load_json(args.file)})
            print(f"holiday table {args.year} published (feed {fid})")
        elif args.cmd == "set-interval":
            fid = ho.publish("config", {"sync_interval_minutes": args.minutes})
            print(f"sync interval {args.minutes} min published (feed {fid})")
        elif args.cmd == "erase":
            new = ho.file_erasure_order(args.member_id, request_id=args.request)
            print("erasure order filed" if new else "already erased")
        elif args.cmd == "stores":
            print(
                f"{'store':<10} {'enrolled':<8} {'last upload':<29} {'last pull':<29} {'pending':>7} {'quar.':>5}"
                f" {'audit head':>10} {'anchored':>10}  audit alarm"
            )
            for s in ho.list_stores():
                alarm = s["audit_alarm"]
                note = (
                    f"ALARM {alarm['kind']} (anchored {alarm['anchored_seq']}, store {alarm['store_seq']},"
                    f" {fmt_time(alarm['detected_at'], 'en')})"
                    if alarm
                    else "-"
                )
                print(
                    f"{s['code']:<10} {('yes' if s['enrolled'] else 'no'):<8} {fmt_time(s['last_upload'], 'en'):<29} "
                    f"{fmt_time(s['last_pull'], 'en'):<29} {s['pending']:>7} {s['quarantined']:>5} {s['audit_seq']:>10}"
                    f" {s['anchor_seq']:>10}  {note}"
                )
        elif args.cmd == "overdue":
            today = args.today or beijing_date(ho.clock()).isoformat()  # the requests' clock runs on Beijing days
            rows = ho.overdue_requests(today)
            for r in rows:
                print(
                    f"{r['store']:<10} {r['request_id']:<20} due {r['due_date']} {r['status'] or '-'} {r['kind'] or ''}"
                )
            print(f"{len(rows)} overdue request(s) on {today} (Beijing)")
        elif args.cmd == "receipts":
            for r in ho.receipts(args.member_id):
                executed = fmt_time(r["receipt"].get("executed_at"), "en")
                print(f"{r['store']:<10} executed {executed} counts {r['receipt'].get('counts')}")
        elif args.cmd == "quarantine":
            for q in ho.quarantined():
                print(f"{q['store']:<10} seq {q['seq']:<8} {q['entity']:<12} {q['reason']}")
        elif args.cmd == "audit-ack":
            n = ho.acknowledge_audit_alarm(args.store)
            print(f"{n} audit anchoring alarm(s) of {args.store} acknowledged")
        elif args.cmd == "prune":
            print(f"{ho.prune_feed()} erasure order(s) older than {args.horizon_days} days pruned from the feed")
        elif args.cmd == "incident":
            return incident_cli.incident(ho, args)
        elif args.cmd == "console-user":
            return console_cli.console_user(storage, ho.clock, args)
        return 0
    finally:
        storage.close()


if __name__ == "__main__":
    sys.exit(main())
