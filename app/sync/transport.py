"""HTTP to head office: TLS with a configured CA, explicit timeouts, signed requests, retries.

Retries (with exponential backoff and jitter) happen only on connection errors, timeouts, 429
and 5xx, honouring Retry-After; never on another 4xx. Each attempt is signed afresh (new nonce,
new timestamp), so a retry is never a replay.
"""

from __future__ import annotations

import email.utils
import json
import logging
import random
import ssl
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeAlias
from urllib.parse import urlencode, urlsplit

import httpx

from app.errors import UserError
from app.sync import signing

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

log = logging.getLogger("memberdesk.sync")

Signer: TypeAlias = Callable[[str, str, bytes], dict[str, str]]
"""signer(method, path with query, body) -> the signature headers of one attempt."""

TIMEOUT = httpx.Timeout(connect=5.0, read=30.0, write=30.0, pool=5.0)
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
MAX_RETRY_AFTER = 60.0  # a longer Retry-After ends this run (try later) instead of holding the sync thread


class SyncError(UserError):
    key = "sync.failed"

    def __init__(
        self, key: str | None = None, code: str | None = None, status: int | None = None, **extra: Any
    ) -> None:
        super().__init__(key, code=code or "", status=status or 0)
        self.code = code
        self.status = status
        self.extra = extra

    @property
    def try_later(self) -> bool:
        """Head office busy (503/429 with Retry-After) or unreachable: the next scheduled run tries again;
        nothing to show beyond the status line."""
        return self.key in ("sync.server_busy", "sync.offline")


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
            return max(0.0, when.timestamp() - time.time())
        except (TypeError, ValueError):
            return None


class Transport:
    def __init__(
        self,
        url: str,
        *,
        ca_file: str | None = None,
        http: httpx.Client | None = None,
        allow_plain_http: bool = False,
        retries: int = 4,
        backoff: float = 0.5,
        backoff_cap: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        rng: Callable[[], float] = random.random,
        timeout: httpx.Timeout = TIMEOUT,
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme != "https" and not allow_plain_http:
            raise SyncError("sync.insecure_url")  # SEC-3: transport to head office is encrypted
        if parts.scheme not in ("https", "http"):
            raise SyncError("sync.insecure_url")
        self.url = url.rstrip("/")
        self.retries = retries
        self.backoff = backoff
        self.backoff_cap = backoff_cap
        self.sleep = sleep
        self.rng = rng
        self.last_server_time: float | None = None
        if http is not None:
            self.http = http
            self._own = False
        else:
            verify: ssl.SSLContext | bool = True
            if ca_file:
                verify = ssl.create_default_context(cafile=ca_file)
            self.http = httpx.Client(timeout=timeout, verify=verify, follow_redirects=False, trust_env=False)
            self._own = True
        self.attempts = 0

    def close(self) -> None:
        if self._own:
            self.http.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes = b"",
        query: dict[str, Any] | None = None,
        signer: Signer | None = None,
        content_type: str = "application/json",
    ) -> dict[str, Any]:
        """Send with retries; return the decoded JSON of a 2xx answer, raise SyncError otherwise.
        `signer(method, path_with_query, body) -> headers` signs each attempt afresh."""
        full = path + ("?" + urlencode(query) if query else "")
        attempt = 0
        while True:
            attempt += 1
            self.attempts += 1
            headers = {"content-type": content_type}
            if signer is not None:
                headers.update(signer(method, full, body))
            delay = None
            try:
                resp = self.http.request(method, self.url + full, content=body, headers=headers)
                st = resp.headers.get("x-md-server-time")
                if st:
                    try:
                        self.last_server_time = float(st)
                    except ValueError:
                        pass
                if resp.status_code == 429 or resp.status_code >= 500:
                    delay = _retry_after(resp.headers.get("retry-after"))
                    err = SyncError(
                        "sync.server_busy" if resp.status_code in (429, 503) else "sync.server_error",
                        code=f"http_{resp.status_code}",
                        status=resp.status_code,
                    )
                elif resp.status_code >= 400:
                    try:
                        data = resp.json()
                    except ValueError:
                        data = {}
                    code = str(data.get("error") or f"http_{resp.status_code}")[:40]
                    raise SyncError(
                        "sync.refused",
                        code=code,
                        status=resp.status_code,
                        **{k: v for k, v in data.items() if k != "error"},
                    )
                else:
                    try:
                        return resp.json()
                    except ValueError:
                        err = SyncError("sync.server_error", code="bad_json", status=resp.status_code)
            except httpx.TimeoutException:
                err = SyncError("sync.offline", code="timeout")
            except httpx.TransportError as exc:
                if _is_tls_error(exc):
                    raise SyncError("sync.tls", code="certificate") from None
                err = SyncError("sync.offline", code=type(exc).__name__[:40])
            if attempt > self.retries or (delay is not None and delay > MAX_RETRY_AFTER):
                if delay is not None:
                    err.extra["retry_after"] = delay  # busy for longer than a run should wait: try later
                raise err
            wait = min(self.backoff_cap, self.backoff * (2 ** (attempt - 1))) * (0.5 + self.rng())
            if delay is not None:
                wait = min(max(delay, 0.0), 300.0)
            log.info("sync: retry %d after %s in %.2fs", attempt, err.code, wait)
            self.sleep(wait)

    def get_json(self, path: str, **kw: Any) -> dict[str, Any]:
        return self.request("GET", path, **kw)

    def post_json(self, path: str, data: dict[str, Any], **kw: Any) -> dict[str, Any]:
        body = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str).encode("utf-8")
        return self.request("POST", path, body=body, **kw)


def _is_tls_error(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLError):
            return True
        if "CERTIFICATE_VERIFY_FAILED" in str(seen) or "certificate verify failed" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def make_signer(key: Ed25519PrivateKey, store: str, now_fn: Callable[[], float]) -> Signer:
    def signer(method: str, path: str, body: bytes) -> dict[str, str]:
        return signing.sign_headers(key, method, path, store, now_fn(), body)

    return signer
