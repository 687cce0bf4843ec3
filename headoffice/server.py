"""The head-office HTTP API (Starlette, served by uvicorn with TLS).

  GET  /v1/time                      unsigned: server time (the store measures its clock offset)
  POST /v1/enrol                     unsigned: {store, code, pubkey} with the one-time enrolment code
  POST /v1/upload                    signed: {after, rows:[{seq, ts, entity, entity_id, op, payload, member_id}],
                                             pending}
  POST /v1/blobs/missing             signed: {hashes:[…]} -> {missing:[…]}
  PUT  /v1/blobs/{sha256}            signed: raw bytes, content-addressed
  GET  /v1/pull?cursor=&limit=&pending=   signed: a page of the change feed
  GET  /v1/snapshot                  signed: full snapshot after "resync required"
  POST /v1/members/copy              signed: {request_id, member_id, staff} -> the member's records of every store
                                             (only for the store's open access-type request; headoffice/orders.py)
  POST /v1/members/lookup            signed: {mobile, staff, reason} -> {found, member?, duplicates?} (issue #18)
  POST /v1/members/adopt             signed: {member_id, staff, reason} -> the minimal record (404/410 refused)
Every response carries X-MD-Server-Time and X-MD-Worker (the answering process's id: with
`serve --workers N` several processes share the socket; docs/headoffice.md "Running several processes").

Nothing of a body is read before head office knows who sent it and how long it is (issue #17): a request
with a body must declare Content-Length (else 411) within `max_body` (else 413; the unsigned enrolment within
UNSIGNED_MAX_BODY); a signed request's headers are checked first (store known and enabled, timestamp fresh,
nonce well-formed: else 401). Only then is the body streamed, into a buffer of the declared size and never
beyond it, while at most `max_uploads` bodies are held at once (more: 503 with Retry-After, which the store's
sync treats as "try later"); the signature is then verified over the body as before.
"""

from __future__ import annotations

import json
import logging
import os
import re

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from app.sync import signing
from headoffice.service import HeadOffice, HOError

log = logging.getLogger("memberdesk.headoffice")

UNSIGNED_MAX_BODY = 16 * 1024  # the enrolment's {store, code, pubkey}
MAX_UPLOADS = 8  # bodies held at once (each up to max_body)
BUSY_RETRY_AFTER = 5  # seconds, with a 503 when MAX_UPLOADS bodies are already being read
NONCE_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
BODY_METHODS = ("POST", "PUT", "PATCH")


def check_headers(ho: HeadOffice, headers) -> str:
    """What can be known of the sender before its body is read (the full check, with the body, is
    HeadOffice.authenticate). Cheap checks first; the store lookup last."""
    store = headers.get(signing.H_STORE) or ""
    ts = headers.get(signing.H_TS) or ""
    nonce = headers.get(signing.H_NONCE) or ""
    if not (store and ts and nonce and headers.get(signing.H_SIG)) or len(store) > 64 or not NONCE_RE.match(nonce):
        raise HOError(401, "unsigned")
    try:
        ts_val = int(ts)
    except ValueError:
        raise HOError(401, "bad_timestamp") from None
    now = ho.clock()
    if abs(now - ts_val) > signing.MAX_SKEW_SECONDS:
        raise HOError(401, "stale_timestamp", server_time=now)
    with ho.storage.read() as c:
        row = c.one("SELECT pubkey, disabled FROM stores WHERE code = ?", (store,))
    if row is None or not row[0] or row[1]:
        raise HOError(401, "unknown_store")
    return store


def declared_length(request: Request, limit: int) -> int:
    """The body's declared length, checked before anything of it is read: 411 without one, 413 over `limit`."""
    length = request.headers.get("content-length")
    if request.method not in BODY_METHODS:
        if length not in (None, "0") or request.headers.get("transfer-encoding"):
            raise HOError(400, "unexpected_body")
        return 0
    if length is None:
        raise HOError(411, "length_required")
    if not length.isdigit():
        raise HOError(400, "bad_length")
    if int(length) > limit:
        raise HOError(413, "too_large", max_body=limit)
    return int(length)


class _CutResponse(Response):
    """Announces the whole body, sends half of it, then drops the connection (fault tests)."""

    def __init__(self, body: bytes):
        super().__init__(body, media_type="application/json")

    async def __call__(self, scope, receive, send):
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(self.body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": self.body[: len(self.body) // 2], "more_body": True})
        raise ConnectionAbortedError("fault injection: response cut mid-body")


def create_app(ho: HeadOffice, *, max_uploads: int = MAX_UPLOADS) -> Starlette:
    # Test-only fault injection (the fault tests run this app as a real process):
    #   status503:N   the first N requests answer 503 with Retry-After: 1
    #   cut_upload:N  the first N answers to uploads carrying rows are cut mid-body, after the batch committed
    fault = {"status503": 0, "cut_upload": 0}
    spec = os.environ.get("MEMBERDESK_HO_FAULT", "")
    for name in fault:
        if spec.startswith(name + ":"):
            fault[name] = int(spec.split(":")[1])

    worker = str(os.getpid())  # which process answered (`serve --workers N`; docs/headoffice.md)

    def reply(status: int, data: dict, headers: dict | None = None) -> Response:
        h = {"X-MD-Server-Time": f"{ho.clock():.3f}", "X-MD-Worker": worker}
        h.update(headers or {})
        return JSONResponse(data, status_code=status, headers=h)

    # Bodies being held now by THIS process (one event loop: a plain counter is a semaphore). It bounds the
    # process's memory, so it is per process by design: N workers hold at most N × max_uploads bodies.
    uploads = {"active": 0}

    async def read_body(request: Request, length: int) -> bytes:
        """Stream exactly the declared length into one buffer; a body longer than declared is refused."""
        buf = bytearray()
        async for chunk in request.stream():
            if len(buf) + len(chunk) > length:
                raise HOError(413, "too_large", max_body=length)
            buf += chunk
        if len(buf) != length:
            raise HOError(400, "short_body")
        return bytes(buf)

    def endpoint(fn, signed: bool = True):
        limit = ho.max_body if signed else min(ho.max_body, UNSIGNED_MAX_BODY)

        async def handler(request: Request) -> Response:
            if fault["status503"] > 0:
                fault["status503"] -= 1
                return reply(503, {"error": "unavailable"}, {"Retry-After": "1"})
            held = False
            try:
                length = declared_length(request, limit)
                if signed:
                    await run_in_threadpool(check_headers, ho, request.headers)
                body = b""
                if length:
                    if uploads["active"] >= max_uploads:
                        return reply(503, {"error": "busy"}, {"Retry-After": str(BUSY_RETRY_AFTER)})
                    uploads["active"] += 1
                    held = True
                    body = await read_body(request, length)
                store = None
                if signed:
                    path = request.url.path + (("?" + request.url.query) if request.url.query else "")
                    store = await run_in_threadpool(ho.authenticate, request.method, path, request.headers, body)
                result = await run_in_threadpool(fn, request, store, body)
                if isinstance(result, Response):
                    return result
                if fault["cut_upload"] > 0 and request.url.path == "/v1/upload" and json.loads(body).get("rows"):
                    fault["cut_upload"] -= 1
                    return _CutResponse(json.dumps(result).encode())
                return reply(200, result)
            except HOError as exc:
                if exc.status >= 500 or exc.code in ("bad_signature", "replayed_nonce", "unknown_store"):
                    log.warning("refused: %s %s", exc.code, request.url.path)
                return reply(exc.status, {"error": exc.code, **exc.extra})
            except ClientDisconnect:
                return reply(400, {"error": "short_body"})
            except Exception:
                log.exception("head office error on %s", request.url.path)
                return reply(500, {"error": "internal"})
            finally:
                if held:
                    uploads["active"] -= 1

        return handler

    def _json(body: bytes) -> dict:
        try:
            data = json.loads(body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            raise HOError(400, "bad_json") from None
        if not isinstance(data, dict):
            raise HOError(400, "bad_json")
        return data

    def time_(request, store, body):
        return {"now": ho.clock(), "config": ho.config()}

    def enrol(request, store, body):
        data = _json(body)
        return ho.enrol(str(data.get("store", "")), str(data.get("code", "")), str(data.get("pubkey", "")))

    def upload(request, store, body):
        return ho.upload(store, _json(body))

    def blobs_missing(request, store, body):
        return {"missing": ho.missing_blobs(list(_json(body).get("hashes") or []))}

    def put_blob(request, store, body):
        return ho.put_blob(store, request.path_params["sha"], body)

    def pull(request, store, body):
        q = request.query_params
        pending = q.get("pending")
        try:
            limit = int(q.get("limit", "500"))
            pending = int(pending) if pending is not None else None
        except ValueError:
            raise HOError(400, "bad_query") from None
        head = None
        if q.get("audit_seq") is not None:
            try:
                head = (int(q["audit_seq"]), str(q.get("audit_hash", "")))
            except ValueError:
                raise HOError(400, "bad_query") from None
        return ho.pull(store, q.get("cursor"), limit, pending, head)

    def snapshot(request, store, body):
        return ho.snapshot(store)

    def member_copy(request, store, body):
        return ho.member_copy(store, _json(body))

    def lookup(request, store, body):
        data = _json(body)
        mobile = data.get("mobile")
        if not isinstance(mobile, str) or not mobile.strip():
            raise HOError(400, "bad_request")
        return ho.lookup_member(store, mobile, str(data.get("staff", "")), str(data.get("reason", "")))

    def adopt(request, store, body):
        data = _json(body)
        mid = data.get("member_id")
        if not isinstance(mid, str) or not mid.strip():
            raise HOError(400, "bad_request")
        return ho.adopt_member(store, mid, str(data.get("staff", "")), str(data.get("reason", "")))

    routes = [
        Route("/v1/time", endpoint(time_, signed=False), methods=["GET"]),
        Route("/v1/enrol", endpoint(enrol, signed=False), methods=["POST"]),
        Route("/v1/upload", endpoint(upload), methods=["POST"]),
        Route("/v1/blobs/missing", endpoint(blobs_missing), methods=["POST"]),
        Route("/v1/blobs/{sha}", endpoint(put_blob), methods=["PUT"]),
        Route("/v1/pull", endpoint(pull), methods=["GET"]),
        Route("/v1/snapshot", endpoint(snapshot), methods=["GET"]),
        Route("/v1/members/copy", endpoint(member_copy), methods=["POST"]),
        Route("/v1/members/lookup", endpoint(lookup), methods=["POST"]),
        Route("/v1/members/adopt", endpoint(adopt), methods=["POST"]),
    ]
    app = Starlette(routes=routes)
    app.state.ho = ho
    from headoffice.console import create_console  # the browser console (issue #19), its own sign-in

    app.mount("/console", create_console(ho))
    return app
