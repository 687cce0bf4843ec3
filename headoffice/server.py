"""The head-office HTTP API (Starlette, served by uvicorn with TLS).

  GET  /v1/time                      unsigned: server time (the store measures its clock offset)
  POST /v1/enrol                     unsigned: {store, code, pubkey} with the one-time enrolment code
  POST /v1/upload                    signed: {after, rows:[{seq, ts, entity, entity_id, op, payload, member_id}], pending}
  POST /v1/blobs/missing             signed: {hashes:[…]} -> {missing:[…]}
  PUT  /v1/blobs/{sha256}            signed: raw bytes, content-addressed
  GET  /v1/pull?cursor=&limit=&pending=   signed: a page of the change feed
  GET  /v1/snapshot                  signed: full snapshot after "resync required"
Every response carries X-MD-Server-Time. Bodies above `max_body` are refused with 413.
"""
from __future__ import annotations

import json
import logging
import os

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from headoffice.service import HeadOffice, HOError

log = logging.getLogger("memberdesk.headoffice")


class _CutResponse(Response):
    """Announces the whole body, sends half of it, then drops the connection (fault tests)."""

    def __init__(self, body: bytes):
        super().__init__(body, media_type="application/json")

    async def __call__(self, scope, receive, send):
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(self.body)).encode())]})
        await send({"type": "http.response.body", "body": self.body[: len(self.body) // 2], "more_body": True})
        raise ConnectionAbortedError("fault injection: response cut mid-body")


def create_app(ho: HeadOffice) -> Starlette:
    # Test-only fault injection (the fault tests run this app as a real process):
    #   status503:N   the first N requests answer 503 with Retry-After: 1
    #   cut_upload:N  the first N answers to uploads carrying rows are cut mid-body, after the batch committed
    fault = {"status503": 0, "cut_upload": 0}
    spec = os.environ.get("MEMBERDESK_HO_FAULT", "")
    for name in fault:
        if spec.startswith(name + ":"):
            fault[name] = int(spec.split(":")[1])

    def reply(status: int, data: dict, headers: dict | None = None) -> Response:
        h = {"X-MD-Server-Time": f"{ho.clock():.3f}"}
        h.update(headers or {})
        return JSONResponse(data, status_code=status, headers=h)

    async def read_body(request: Request) -> bytes:
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > ho.max_body):
            raise HOError(413, "too_large", max_body=ho.max_body)
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > ho.max_body:
                raise HOError(413, "too_large", max_body=ho.max_body)
            chunks.append(chunk)
        return b"".join(chunks)

    def endpoint(fn, signed: bool = True):
        async def handler(request: Request) -> Response:
            if fault["status503"] > 0:
                fault["status503"] -= 1
                return reply(503, {"error": "unavailable"}, {"Retry-After": "1"})
            try:
                body = await read_body(request)
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
            except Exception:
                log.exception("head office error on %s", request.url.path)
                return reply(500, {"error": "internal"})
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

    routes = [
        Route("/v1/time", endpoint(time_, signed=False), methods=["GET"]),
        Route("/v1/enrol", endpoint(enrol, signed=False), methods=["POST"]),
        Route("/v1/upload", endpoint(upload), methods=["POST"]),
        Route("/v1/blobs/missing", endpoint(blobs_missing), methods=["POST"]),
        Route("/v1/blobs/{sha}", endpoint(put_blob), methods=["PUT"]),
        Route("/v1/pull", endpoint(pull), methods=["GET"]),
        Route("/v1/snapshot", endpoint(snapshot), methods=["GET"]),
    ]
    app = Starlette(routes=routes)
    app.state.ho = ho
    from headoffice.console import create_console   # the browser console (issue #19), its own sign-in
    app.mount("/console", create_console(ho))
    return app
