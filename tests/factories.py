"""Test data helpers that do not depend on the registration flow."""

from __future__ import annotations

import itertools
import secrets

from app.clock import iso

_counter = itertools.count(1)


def make_member(session, name: str = "张三", mobile: str | None = None, **extra) -> str:
    """Insert a bare member row through the write path (audited, journaled). Returns the id."""
    n = next(_counter)
    mobile = mobile or f"139{n:08d}"
    mid = secrets.token_hex(8)
    now = iso(session.clock.now())
    cols = {
        "id": mid,
        "member_no": f"M{n:09d}",
        "name": name,
        "mobile": mobile,
        "status": "active",
        "registered_at": now,
        "registered_store": session.store_code,
        "updated_at": now,
    }
    cols.update(extra)
    with session.write("member.create.test", "member", mid) as tx:
        tx.execute(f"INSERT INTO members({','.join(cols)}) VALUES ({','.join('?' * len(cols))})", tuple(cols.values()))
        tx.journal("member", mid, "upsert", {"name": name, "mobile": mobile})
    return mid


def verified_feed(store_code: str = "SH-001"):
    """The head-office feed's capability as the sync engine makes it for rows from the enrolled head office
    (app.sync.feeds holds the only minter): for tests of the feed appliers."""
    from app.sync import feeds

    return feeds._verified_context(store_code, None).feed
