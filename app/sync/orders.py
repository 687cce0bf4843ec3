"""The store's side of the chain-wide copy (issue #18): one signed call to head office.

`fetch_member_copy(engine, request_id, member_id, staff_id)` first uploads the journal (head office checks the
store's own uploaded request: open, access-type, this member), then posts `{request_id, member_id, staff}` to
`POST /v1/members/copy`, signed like every store request, over the engine's certificate-checked connection.
Raises SyncError (`sync.offline`, `sync.refused` with head office's code, ...). The orders themselves travel as
journal rows and feed rows (app.requests.chain); nothing else is needed here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app.sync.engine import _RUN_LOCK
from app.sync.state import get_state
from app.sync.transport import SyncError

if TYPE_CHECKING:
    from app.sync.engine import SyncEngine
BUSY_WAIT_SECONDS = 30  # a running sync finishes its page; the copy then uploads the journal itself

COPY_PATH = "/v1/members/copy"


def enrolled(db: Any) -> bool:
    """This store is enrolled with head office (it has a signing key and a server)."""
    return get_state(db, "private_key") is not None and bool(get_state(db, "url"))


def fetch_member_copy(engine: SyncEngine, request_id: str, member_id: str, staff_id: str) -> dict[str, Any]:
    """The member's records of every store, as head office holds them (decrypted there for this copy)."""
    if not _RUN_LOCK.acquire(timeout=BUSY_WAIT_SECONDS):  # one upload at a time (the sync's own lock)
        raise SyncError("sync.busy")
    try:
        engine.upload()
        body = {"request_id": request_id, "member_id": member_id, "staff": staff_id}
        return engine.transport().post_json(COPY_PATH, body, signer=engine._signer())
    finally:
        _RUN_LOCK.release()
