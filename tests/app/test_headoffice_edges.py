"""Head office reads no body before it knows who sent it and how long it is (issue #17, SEC-3).

The app is driven as raw ASGI with a `receive` that records whether any of the body was asked for."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from app.sync import signing
from app.sync.transport import SyncError, Transport
from headoffice.server import create_app
from tests.app.syncutil import ho, hoc  # noqa: F401 - fixtures


class Body:
    """The request body as the server would receive it; `.read` says whether the app asked for any of it."""

    def __init__(self, data: bytes, chunk: int = 65536):
        self.parts = [data[i : i + chunk] for i in range(0, len(data), chunk)] or [b""]
        self.read = 0

    async def __call__(self):
        self.read += 1
        part = self.parts.pop(0) if self.parts else b""
        return {"type": "http.request", "body": part, "more_body": bool(self.parts)}


def call(app, method: str, path: str, headers: dict, body: Body) -> tuple[int, dict, dict]:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), str(v).encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 80),
    }
    out = {"status": 0, "headers": {}, "body": b""}

    async def send(msg):
        if msg["type"] == "http.response.start":
            out["status"] = msg["status"]
            out["headers"] = {k.decode(): v.decode() for k, v in msg["headers"]}
        elif msg["type"] == "http.response.body":
            out["body"] += msg.get("body", b"")

    asyncio.run(app(scope, body, send))
    return out["status"], out["headers"], json.loads(out["body"] or b"{}")


@pytest.fixture
def store(ho):  # noqa: F811
    key = signing.new_private_key()
    ho.enrol("SH-001", ho.create_store("SH-001", "门店"), signing.public_text(key))
    return key


def signed(key, ho, body: bytes, path="/v1/upload", store="SH-001", **over):  # noqa: F811
    h = signing.sign_headers(key, "POST", path, store, ho.clock(), body)
    h.update({"content-type": "application/json", "content-length": str(len(body))})
    h.update(over)
    return h


BIG = b"x" * (8 * 1024 * 1024)


def test_unsigned_body_refused_without_reading_it(ho):  # noqa: F811
    app = create_app(ho)
    body = Body(BIG[: 1024 * 1024])
    status, _, data = call(app, "POST", "/v1/upload", {"content-length": str(1024 * 1024)}, body)
    assert (status, data["error"]) == (401, "unsigned")
    assert body.read == 0  # rule: SEC-3


@pytest.mark.parametrize(
    "over,code",
    [
        ({"x-md-store": "XX-999"}, "unknown_store"),
        ({"x-md-timestamp": "1000"}, "stale_timestamp"),
        ({"x-md-nonce": "bad nonce!"}, "unsigned"),
    ],
)
def test_unknown_store_stale_time_or_bad_nonce_refused_before_the_body(ho, store, over, code):  # noqa: F811
    body_bytes = json.dumps({"after": 0, "rows": []}).encode()
    body = Body(body_bytes)
    status, _, data = call(create_app(ho), "POST", "/v1/upload", signed(store, ho, body_bytes, **over), body)
    assert (status, data["error"]) == (401, code)
    assert body.read == 0  # rule: SEC-3


def test_missing_or_oversized_length_refused_without_reading(ho, store):  # noqa: F811
    app = create_app(ho)
    h = signed(store, ho, BIG)
    del h["content-length"]
    body = Body(BIG)
    status, _, data = call(app, "POST", "/v1/upload", {**h, "transfer-encoding": "chunked"}, body)
    assert (status, data["error"], body.read) == (411, "length_required", 0)
    too_big = BIG + b"x"
    body = Body(too_big)
    status, _, data = call(app, "POST", "/v1/upload", signed(store, ho, too_big), body)
    assert (status, data["error"], body.read) == (413, "too_large", 0)
    # the unsigned enrolment takes small bodies only
    body = Body(b"{" + b" " * 100_000 + b"}")
    status, _, data = call(app, "POST", "/v1/enrol", {"content-length": "100002"}, body)
    assert (status, body.read) == (413, 0)


def test_body_longer_than_declared_is_cut_off(ho, store):  # noqa: F811
    real = json.dumps({"after": 0, "rows": []}).encode()
    h = signed(store, ho, real)
    body = Body(real + b" " * 200_000, chunk=1024)
    status, _, data = call(create_app(ho), "POST", "/v1/upload", h, body)
    assert (status, data["error"]) == (413, "too_large")
    assert body.read < 10  # stopped at the declared length, not read to the end


def test_signed_request_still_verified_over_the_body(ho, store):  # noqa: F811
    app = create_app(ho)
    good = json.dumps({"after": 0, "rows": []}).encode()
    status, _, data = call(app, "POST", "/v1/upload", signed(store, ho, good), Body(good))
    assert status == 200, data
    forged = json.dumps({"after": 0, "rows": [], "pending": 1}).encode()
    h = signed(store, ho, good, **{"content-length": str(len(forged))})
    status, _, data = call(app, "POST", "/v1/upload", h, Body(forged))
    assert (status, data["error"]) == (401, "bad_signature")  # rule: SEC-3


def test_over_the_upload_bound_answers_503_with_retry_after(ho, store):  # noqa: F811
    app = create_app(ho, max_uploads=0)
    good = json.dumps({"after": 0, "rows": []}).encode()
    body = Body(good)
    status, headers, data = call(app, "POST", "/v1/upload", signed(store, ho, good), body)
    assert (status, data["error"], body.read) == (503, "busy", 0)
    assert int(headers["retry-after"]) > 0


def test_store_client_treats_busy_as_try_later():
    calls, sleeps = [], []

    def handler(request):
        calls.append(request)
        return httpx.Response(503, headers={"Retry-After": "600"}, json={"error": "busy"})

    tr = Transport(
        "https://ho.test", http=httpx.Client(transport=httpx.MockTransport(handler)), sleep=sleeps.append, retries=4
    )
    with pytest.raises(SyncError) as ei:
        tr.get_json("/v1/time")
    assert ei.value.key == "sync.server_busy" and ei.value.try_later
    assert len(calls) == 1 and sleeps == []  # ten minutes: not waited for in this run
    assert ei.value.extra["retry_after"] == 600.0
