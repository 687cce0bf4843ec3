"""A signed-in staff member's session: the one write path of the application.

`session.write(action, ...)` runs one transaction holding the data change, its audit entry
and the change-journal rows for head office. Reads of personal records are audited with
`session.audit_read(...)`: into the chain at once when the writer is free, else through the read-audit
journal (app.audit.journal), which every write transaction of the session's connection takes in first —
a read never waits for a background job's write. `session.require(permission)` raises PermissionDenied.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from app.audit import chain, journal
from app.clock import Clock, SystemClock, iso
from app.errors import PermissionDenied
from app.staff import permissions
from app.storage.db import Connection, ConnQueries, Database


@dataclass(frozen=True)
class Staff:
    id: str
    username: str
    display_name: str
    role: str
    must_change_password: bool = False

    @property
    def is_manager(self) -> bool:
        return self.role == permissions.MANAGER


class Tx(ConnQueries):
    """Handle given to the body of a write: the connection plus journal/audit helpers.

    The body may set `details` to give the write's own audit entry details known only at the end
    (when `session.write(...)` was called without them)."""

    def __init__(self, session: Session, conn: Connection) -> None:
        self.session = session
        self.conn = conn
        self.details: dict[str, Any] | None = None

    def journal(
        self, entity: str, entity_id: str, op: str, payload: dict[str, Any] | None = None, member_id: str | None = None
    ) -> None:
        """A change for head office. Pass member_id whenever the row carries a member's data:
        erasing the member scrubs every such row (app.erasure)."""
        if member_id is None and entity == "member":
            member_id = entity_id
        self.conn.execute(
            "INSERT INTO change_journal(ts, entity, entity_id, op, payload, member_id) VALUES (?,?,?,?,?,?)",
            (
                iso(self.session.clock.now()),
                entity,
                entity_id,
                op,
                json.dumps(payload or {}, ensure_ascii=False, sort_keys=True, default=str),
                member_id,
            ),
        )

    def audit(
        self,
        action: str,
        subject_type: str | None = None,
        subject_id: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        """An additional audit entry in the same transaction."""
        chain.append(
            self.conn,
            ts=iso(self.session.clock.now()),
            staff_id=self.session.actor_id,
            terminal=self.session.terminal,
            action=action,
            subject_type=subject_type,
            subject_id=subject_id,
            details=details,
        )


@dataclass
class Session:
    db: Database
    staff: Staff
    store_code: str
    terminal: str
    clock: Clock = field(default_factory=SystemClock)
    acting_manager: Staff | None = None  # a manager who signed in for one step (step-up)

    def __post_init__(self) -> None:
        # Its write transactions take in the read-audit journal first (a crash's leftovers included).
        journal.arm(self.db)

    @property
    def actor_id(self) -> str:
        return self.staff.id

    def can(self, permission: str) -> bool:
        return permissions.allowed(self.staff.role, permission)

    def require(self, permission: str) -> None:
        if not self.can(permission):
            with self.db.transaction() as conn:
                chain.append(
                    conn,
                    ts=iso(self.clock.now()),
                    staff_id=self.staff.id,
                    terminal=self.terminal,
                    action="permission.denied",
                    details={"permission": permission},
                )
            raise PermissionDenied(action=permission)

    @contextmanager
    def write(
        self,
        action: str,
        subject_type: str | None = None,
        subject_id: str | None = None,
        details: dict[str, Any] | None = None,
        permission: str | None = None,
    ) -> Iterator[Tx]:
        if permission:
            self.require(permission)
        with self.db.transaction() as conn:
            tx = Tx(self, conn)
            yield tx
            self._append_audit(conn, action, subject_type, subject_id, details if details is not None else tx.details)

    def audit_read(
        self,
        action: str,
        subject_type: str | None = None,
        subject_id: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        """Record a read access (view, search, export) to personal data (SEC-1, SEC-2), without waiting for
        another connection's write: straight into the chain if the writer is free, else into the read-audit
        journal (committed before this returns), which the next write transaction takes into the chain."""
        journal.record(
            self.db,
            ts=iso(self.clock.now()),
            staff_id=self.staff.id,
            terminal=self.terminal,
            action=action,
            subject_type=subject_type,
            subject_id=subject_id,
            details=details,
        )

    def _append_audit(
        self,
        conn: Connection,
        action: str,
        subject_type: str | None,
        subject_id: str | None,
        details: dict[str, Any] | None,
    ) -> None:
        """The audit entry of a write or a read, by this staff member at this terminal, now (SEC-2)."""
        chain.append(
            conn,
            ts=iso(self.clock.now()),
            staff_id=self.staff.id,
            terminal=self.terminal,
            action=action,
            subject_type=subject_type,
            subject_id=subject_id,
            details=details,
        )

    def on_db(self, db: Database) -> Session:
        """The same person (and acting manager) writing through another connection to the same store
        (the background jobs' one: app.access.vault.Vault.background_session)."""
        return replace(self, db=db)

    def as_manager(self, manager: Staff) -> Session:
        """A session for one manager-only step, acting as the manager who just signed in."""
        if not manager.is_manager:
            raise PermissionDenied(action="manager step-up")
        return Session(
            db=self.db,
            staff=manager,
            store_code=self.store_code,
            terminal=self.terminal,
            clock=self.clock,
            acting_manager=manager,
        )
