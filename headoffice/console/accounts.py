"""Head-office console accounts and sessions (issue #19), in the head-office storage.

Tables (created at start-up with CREATE TABLE IF NOT EXISTS, SQLite and PostgreSQL alike):
  console_users     username, role (compliance | it | auditor), Argon2id password hash, disabled
  console_sessions  SHA-256 of the session token (the token itself lives only in the browser's cookie),
                    the user, the CSRF token, idle and absolute expiry
Passwords are hashed with Argon2id from `cryptography`, with the cost table the store's key slots use
(app.storage.keyslots.kdf_params: ~0.3 s here, cheap under MEMBERDESK_FAST_KDF=1 in tests).
Every sign-in, refusal, sign-out and account change goes to head office's audit table (ho_audit).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from dataclasses import dataclass

from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from app.storage.keyslots import kdf_params

ROLES = ("compliance", "it", "auditor")
MIN_PASSWORD = 12
IDLE_SECONDS = 15 * 60
ABSOLUTE_SECONDS = 8 * 3600

TABLES = [
    """CREATE TABLE IF NOT EXISTS console_users (
        username TEXT PRIMARY KEY, role TEXT NOT NULL, pw_hash TEXT NOT NULL,
        disabled INTEGER NOT NULL DEFAULT 0, created_at DOUBLE PRECISION NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS console_sessions (
        token_hash TEXT PRIMARY KEY, username TEXT NOT NULL, csrf TEXT NOT NULL,
        created_at DOUBLE PRECISION NOT NULL, last_seen DOUBLE PRECISION NOT NULL)""",
]


class AccountError(Exception):
    """A refusal of an account operation; `code` is a message key of headoffice.console.i18n."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class ConsoleSession:
    username: str
    role: str
    csrf: str
    token_hash: str

    def can(self, action: str) -> bool:
        return action in PERMISSIONS.get(self.role, ())


# What each role may change. Every role may read every page; the auditor changes nothing.
PERMISSIONS = {
    "compliance": ("publish.notice", "publish.policy", "incident.write"),
    "it": ("store.create", "publish.holidays", "publish.interval"),
    "auditor": (),
}


def hash_password(password: str, params: dict | None = None) -> str:
    p = params or kdf_params()
    salt = secrets.token_bytes(16)
    digest = _derive(password, salt, p)
    return "argon2id${}${}${}${}${}".format(
        p["memory_cost"],
        p["iterations"],
        p["lanes"],
        base64.b64encode(salt).decode(),
        base64.b64encode(digest).decode(),
    )


def _derive(password: str, salt: bytes, p: dict) -> bytes:
    return Argon2id(
        salt=salt, length=32, iterations=int(p["iterations"]), lanes=int(p["lanes"]), memory_cost=int(p["memory_cost"])
    ).derive(password.encode("utf-8"))


def verify_password(password: str, stored: str) -> bool:
    try:
        name, m, t, lanes, salt, digest = stored.split("$")
        p = {"memory_cost": int(m), "iterations": int(t), "lanes": int(lanes)}
        want = base64.b64decode(digest)
        got = _derive(password, base64.b64decode(salt), p)
    except (ValueError, TypeError):
        return False
    return name == "argon2id" and secrets.compare_digest(got, want)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


class ConsoleAccounts:
    def __init__(self, storage, clock=time.time):
        self.storage = storage
        self.clock = clock
        self._dummy = hash_password(secrets.token_hex(16))  # unknown users cost the same time
        with storage.tx() as c:
            if storage.dialect == "postgresql":
                c.execute("SELECT pg_advisory_xact_lock(727019)")
            for stmt in TABLES:
                c.execute(stmt)

    def audit(
        self, actor: str, action: str, subject: str | None = None, details: dict | None = None, store: str | None = None
    ) -> None:
        with self.storage.tx() as c:
            self._audit(c, actor, action, subject, details, store)

    def _audit(self, c, actor, action, subject=None, details=None, store=None) -> None:
        c.execute(
            "INSERT INTO ho_audit(ts, actor, action, store, subject, details) VALUES (?,?,?,?,?,?)",
            (self.clock(), "console:" + actor, action, store, subject, json.dumps(details or {}, sort_keys=True)),
        )

    # -- accounts ----------------------------------------------------------------------
    def add_user(self, username: str, role: str, password: str, actor: str = "admin") -> None:
        username = username.strip().lower()
        if not username or len(username) > 64 or not all(ch.isalnum() or ch in "._-" for ch in username):
            raise AccountError("user.bad_name")
        if role not in ROLES:
            raise AccountError("user.bad_role")
        if len(password) < MIN_PASSWORD:
            raise AccountError("user.short_password")
        pw = hash_password(password)
        with self.storage.tx() as c:
            if c.one("SELECT 1 FROM console_users WHERE username = ?", (username,)):
                raise AccountError("user.exists")
            c.execute(
                "INSERT INTO console_users(username, role, pw_hash, disabled, created_at) VALUES (?,?,?,0,?)",
                (username, role, pw, self.clock()),
            )
            self._audit(c, actor, "console.user.add", username, {"role": role})

    def list_users(self) -> list[dict]:
        with self.storage.read() as c:
            rows = c.all("SELECT username, role, disabled, created_at FROM console_users ORDER BY username")
        return [{"username": r[0], "role": r[1], "disabled": bool(r[2]), "created_at": r[3]} for r in rows]

    def disable_user(self, username: str, actor: str = "admin") -> None:
        username = username.strip().lower()
        with self.storage.tx() as c:
            if c.execute("UPDATE console_users SET disabled = 1 WHERE username = ?", (username,)).rowcount == 0:
                raise AccountError("user.unknown")
            c.execute("DELETE FROM console_sessions WHERE username = ?", (username,))
            self._audit(c, actor, "console.user.disable", username)

    # -- sign-in and sessions ------------------------------------------------------------
    def check_password(self, username: str, password: str) -> str | None:
        """The user's role when the password is right and the account enabled, else None (audited)."""
        username = username.strip().lower()
        with self.storage.read() as c:
            row = c.one("SELECT role, pw_hash, disabled FROM console_users WHERE username = ?", (username,))
        ok = verify_password(password, row[1] if row else self._dummy)
        if not ok or row is None or row[2]:
            self.audit(username if row else "-", "console.signin.refused")
            return None
        return str(row[0])

    def open_session(self, username: str) -> tuple[str, ConsoleSession]:
        token = secrets.token_urlsafe(32)
        th, csrf, now = _token_hash(token), secrets.token_urlsafe(32), self.clock()
        with self.storage.tx() as c:
            role = c.scalar("SELECT role FROM console_users WHERE username = ?", (username,))
            c.execute(
                "DELETE FROM console_sessions WHERE last_seen < ? OR created_at < ?",
                (now - IDLE_SECONDS, now - ABSOLUTE_SECONDS),
            )
            c.execute(
                "INSERT INTO console_sessions(token_hash, username, csrf, created_at, last_seen) VALUES (?,?,?,?,?)",
                (th, username, csrf, now, now),
            )
            self._audit(c, username, "console.signin")
        return token, ConsoleSession(username, str(role), csrf, th)

    def session(self, token: str | None) -> ConsoleSession | None:
        """The live session for a cookie token; expired sessions (idle or absolute) and disabled users get None."""
        if not token or len(token) > 128:
            return None
        th, now = _token_hash(token), self.clock()
        with self.storage.tx() as c:
            row = c.one(
                "SELECT s.username, u.role, s.csrf, s.created_at, s.last_seen, u.disabled FROM console_sessions s"
                " JOIN console_users u ON u.username = s.username WHERE s.token_hash = ?",
                (th,),
            )
            if row is None:
                return None
            if row[5] or now - float(row[4]) > IDLE_SECONDS or now - float(row[3]) > ABSOLUTE_SECONDS:
                c.execute("DELETE FROM console_sessions WHERE token_hash = ?", (th,))
                self._audit(c, row[0], "console.session.expired")
                return None
            c.execute("UPDATE console_sessions SET last_seen = ? WHERE token_hash = ?", (now, th))
        return ConsoleSession(row[0], row[1], row[2], th)

    def close_session(self, sess: ConsoleSession) -> None:
        with self.storage.tx() as c:
            c.execute("DELETE FROM console_sessions WHERE token_hash = ?", (sess.token_hash,))
            self._audit(c, sess.username, "console.signout")


class Throttle:
    """Sign-in back-off per user name and per client address, in head office's database (table
    console_throttle), so that every worker process and every console instance over one database
    shares it. Keys are stored as SHA-256 (a user name field may hold anything a person typed).

    An attempt is counted before the password is checked (`attempt`), in one transaction that reads
    the counts under a row lock: parallel attempts from several workers cannot slip past the limit.
    After `free` counted attempts for a key, the next waits 2, 4, 8 … seconds (at most `cap`) after the
    last one. A success clears the user's key and takes its own attempt back from the address key; a
    count older than a day starts again."""

    DDL = (
        "CREATE TABLE IF NOT EXISTS console_throttle (key_hash TEXT PRIMARY KEY, fails INTEGER NOT NULL,"
        " last DOUBLE PRECISION NOT NULL)"
    )

    def __init__(self, storage, clock=time.time, free: int = 3, cap: float = 900.0):
        self.storage, self.clock, self.free, self.cap = storage, clock, free, cap
        with storage.tx() as c:
            if storage.dialect == "postgresql":
                c.execute("SELECT pg_advisory_xact_lock(727019)")
            c.execute(self.DDL)

    @staticmethod
    def _key(k: str) -> str:
        return hashlib.sha256(k.encode("utf-8", "replace")).hexdigest()

    def _wait(self, fails: int, last: float, now: float) -> float:
        if fails < self.free or now - last > 24 * 3600:
            return 0.0
        return last + min(2.0 ** (fails - self.free + 1), self.cap) - now

    def _locked(self, c, hashed: list[str]) -> dict[str, tuple[int, float]]:
        for k in hashed:
            c.execute("INSERT INTO console_throttle(key_hash, fails, last) VALUES (?,0,0) ON CONFLICT DO NOTHING", (k,))
        marks = ",".join("?" * len(hashed))
        lock = " ORDER BY key_hash FOR UPDATE" if c.pg else ""
        rows = c.all(f"SELECT key_hash, fails, last FROM console_throttle WHERE key_hash IN ({marks}){lock}", hashed)
        return {r[0]: (int(r[1]), float(r[2])) for r in rows}

    def attempt(self, *keys: str) -> int:
        """Seconds to wait (nothing counted), or 0: the attempt is counted and the password may be checked."""
        now, hashed = self.clock(), sorted({self._key(k) for k in keys})
        with self.storage.tx() as c:
            got = self._locked(c, hashed)
            wait = max((self._wait(n, last, now) for n, last in got.values()), default=0.0)
            if wait > 0:
                return int(wait + 0.999)
            for k, (n, last) in got.items():
                n = 0 if now - last > 24 * 3600 else n
                c.execute("UPDATE console_throttle SET fails = ?, last = ? WHERE key_hash = ?", (n + 1, now, k))
            c.execute("DELETE FROM console_throttle WHERE last < ? AND last > 0", (now - 2 * 24 * 3600,))
        return 0

    def wait(self, *keys: str) -> int:
        """Seconds before the next attempt for these keys (read only)."""
        now, hashed = self.clock(), sorted({self._key(k) for k in keys})
        marks = ",".join("?" * len(hashed))
        with self.storage.read() as c:
            rows = c.all(f"SELECT fails, last FROM console_throttle WHERE key_hash IN ({marks})", hashed)
        wait = max((self._wait(int(n), float(last), now) for n, last in rows), default=0.0)
        return int(wait + 0.999) if wait > 0 else 0

    def succeeded(self, user_key: str, *other_keys: str) -> None:
        with self.storage.tx() as c:
            c.execute("DELETE FROM console_throttle WHERE key_hash = ?", (self._key(user_key),))
            for k in other_keys:
                c.execute(
                    "UPDATE console_throttle SET fails = fails - 1 WHERE key_hash = ? AND fails > 0", (self._key(k),)
                )
