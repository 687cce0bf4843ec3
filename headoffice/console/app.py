"""The head-office console: server-rendered pages under /console/ on the head-office service.

Every route except sign-in, the language switch and the style sheet needs a console session
(PUBLIC below; a test walks the routes). Every POST carries the session's CSRF token (sign-in: a
double-submit cookie). Changes go through the same HeadOffice methods as the admin command
(create_store, publish); the console adds no second way to change data. Forms are parsed here
(urlencoded, bounded), so no multipart dependency.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from pathlib import Path
from urllib.parse import parse_qs, urlencode

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from app.errors import UserError
from headoffice.console import evidence_view, incident_pages, publishing, views
from headoffice.console.accounts import ConsoleAccounts, Throttle
from headoffice.console.i18n import norm_lang, translator

BASE = "/console"
HERE = Path(__file__).resolve().parent
SESSION_COOKIE, LANG_COOKIE, PRE_COOKIE = "md_console", "md_lang", "md_console_pre"
MAX_FORM = 512 * 1024
PUBLIC = {"/signin", "/lang/{lang}", "/static"}
SECURITY_HEADERS = [
    (b"content-security-policy", b"default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-content-type-options", b"nosniff"),
    (b"cache-control", b"no-store"),
]


class SecurityHeaders:
    """Adds the security headers to every console response (pages, redirects, errors, static)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        async def wrapped(message):
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    h for h in SECURITY_HEADERS if h[0] not in names
                ]
            await send(message)

        await self.app(scope, receive, wrapped)


async def read_form(request: Request) -> dict[str, str]:
    size, chunks = 0, []
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_FORM:
            raise ValueError("form too large")
        chunks.append(chunk)
    data = parse_qs(b"".join(chunks).decode("utf-8", "replace"), keep_blank_values=True)
    return {k: v[0] for k, v in data.items()}


def create_console(ho, *, accounts: ConsoleAccounts | None = None, throttle: Throttle | None = None):
    accounts = accounts or ConsoleAccounts(ho.storage, clock=ho.clock)
    throttle = throttle or Throttle(ho.storage, clock=ho.clock)
    templates = Jinja2Templates(directory=str(HERE / "templates"))

    def lang_of(request: Request) -> str:
        return norm_lang(request.cookies.get(LANG_COOKIE))

    def render(request: Request, name: str, sess=None, status: int = 200, **ctx) -> Response:
        lang = lang_of(request)
        ctx.update(t=translator(lang), lang=lang, base=BASE, sess=sess, path=request.url.path)
        ctx["fmt_time"] = lambda ts: views.fmt_time(ts, lang)
        return templates.TemplateResponse(request, name, ctx, status_code=status)

    def set_cookie(
        request: Request, resp: Response, name: str, value: str, max_age: int | None = None, http_only: bool = True
    ) -> None:
        resp.set_cookie(
            name,
            value,
            max_age=max_age,
            path=BASE,
            httponly=http_only,
            samesite="strict",
            secure=request.url.scheme == "https",
        )

    def today() -> dt.date:
        return views.beijing_date(ho.clock())

    def guarded(fn, perm: str | None = None, page: str | None = None):
        """A console route: a live session is required; POST needs the CSRF token; `perm` the role."""

        async def handler(request: Request) -> Response:
            sess = await run_in_threadpool(accounts.session, request.cookies.get(SESSION_COOKIE))
            if sess is None:
                if request.method == "GET":
                    return RedirectResponse(BASE + "/signin", status_code=303)
                return PlainTextResponse("sign-in required", status_code=401)
            form: dict[str, str] = {}
            if request.method == "POST":
                try:
                    form = await read_form(request)
                except ValueError:
                    return PlainTextResponse("form too large", status_code=413)
                if not secrets.compare_digest(form.get("csrf", ""), sess.csrf):
                    await run_in_threadpool(accounts.audit, sess.username, "console.csrf.refused", request.url.path)
                    return render(request, "message.html", sess, status=403, message_key="csrf.refused")
            if perm is not None and not sess.can(perm):
                await run_in_threadpool(accounts.audit, sess.username, "console.forbidden", perm)
                return render(request, "message.html", sess, status=403, message_key="forbidden")
            if page is not None:
                await run_in_threadpool(accounts.audit, sess.username, "console.view", page)
            return await fn(request, sess, form)

        return handler

    # -- public: sign-in, language, style sheet ----------------------------------------------
    async def signin(request: Request) -> Response:
        if request.method == "GET":
            pre = secrets.token_urlsafe(24)
            resp = render(request, "signin.html", pre=pre, error=None)
            set_cookie(request, resp, PRE_COOKIE, pre)
            return resp
        try:
            form = await read_form(request)
        except ValueError:
            return PlainTextResponse("form too large", status_code=413)
        pre = request.cookies.get(PRE_COOKIE, "")
        if not pre or not secrets.compare_digest(form.get("csrf", ""), pre):
            return render(request, "message.html", status=403, message_key="csrf.refused")
        user = form.get("username", "").strip().lower()[:64]
        client = request.client.host if request.client else "-"
        keys = ("user:" + user, "addr:" + client)
        wait = await run_in_threadpool(throttle.attempt, *keys)  # counted before the password check
        if wait:
            await run_in_threadpool(accounts.audit, user or "-", "console.signin.throttled")
            resp = render(request, "signin.html", status=429, pre=pre, error=("signin.throttled", {"seconds": wait}))
            resp.headers["Retry-After"] = str(wait)
            return resp
        role = await run_in_threadpool(accounts.check_password, user, form.get("password", ""))
        if role is None:
            return render(request, "signin.html", status=401, pre=pre, error=("signin.failed", {}))
        await run_in_threadpool(throttle.succeeded, *keys)
        token, _sess = await run_in_threadpool(accounts.open_session, user)
        resp = RedirectResponse(BASE + "/stores", status_code=303)
        set_cookie(request, resp, SESSION_COOKIE, token)
        resp.delete_cookie(PRE_COOKIE, path=BASE, httponly=True, samesite="strict")
        return resp

    async def switch_lang(request: Request) -> Response:
        lang = norm_lang(request.path_params["lang"])
        nxt = request.query_params.get("next", "")
        if not nxt.startswith(BASE + "/") or "//" in nxt or "\\" in nxt:
            nxt = BASE + "/stores"
        resp = RedirectResponse(nxt, status_code=303)
        set_cookie(request, resp, LANG_COOKIE, lang, max_age=365 * 86400)
        return resp

    # -- pages -------------------------------------------------------------------------------
    async def home(request, sess, form):
        return RedirectResponse(BASE + "/stores", status_code=303)

    async def signout(request, sess, form):
        await run_in_threadpool(accounts.close_session, sess)
        resp = RedirectResponse(BASE + "/signin", status_code=303)
        resp.delete_cookie(SESSION_COOKIE, path=BASE, httponly=True, samesite="strict")
        return resp

    def page_no(request: Request) -> int:
        text = request.query_params.get("page", "1")
        return int(text) if text.isdigit() and len(text) < 6 else 1

    async def stores_page(request, sess, form):
        data = await run_in_threadpool(views.stores_page, ho, page_no(request))
        return render(request, "stores.html", sess, created=None, **data)

    async def store_page(request, sess, form):
        detail = await run_in_threadpool(views.store_detail, ho, request.path_params["code"])
        if detail is None:
            return render(request, "message.html", sess, status=404, message_key="not_found")
        return render(request, "store.html", sess, **detail)

    async def create_store(request, sess, form):
        code, name = form.get("code", "").strip().upper(), form.get("name", "").strip()
        try:
            ttl = int(form.get("ttl_hours", "72"))
        except ValueError:
            ttl = 0
        if not (code and name and len(code) <= 32 and len(name) <= 100 and 1 <= ttl <= 24 * 30):
            return render(request, "message.html", sess, status=400, message_key="publish.bad_value")
        enrol = await run_in_threadpool(ho.create_store, code, name, ttl)
        await run_in_threadpool(accounts.audit, sess.username, "console.store.create", code, {"ttl_hours": ttl}, code)
        data = await run_in_threadpool(views.stores_page, ho, 1)
        return render(request, "stores.html", sess, created={"code": code, "enrol": enrol, "hours": ttl}, **data)

    async def requests_page(request, sess, form):
        data = await run_in_threadpool(views.requests, ho, today())
        return render(request, "requests.html", sess, today=today().isoformat(), **data)

    async def request_page(request, sess, form):
        r = await run_in_threadpool(
            views.request_detail, ho, request.path_params["store"], request.path_params["rid"], today()
        )
        if r is None:
            return render(request, "message.html", sess, status=404, message_key="not_found")
        return render(request, "request.html", sess, r=r, today=today().isoformat())

    async def erasures_page(request, sess, form):
        return render(request, "erasures.html", sess, erasures=await run_in_threadpool(views.erasures, ho))

    async def consent_page(request, sess, form):
        return render(request, "consent.html", sess, **(await run_in_threadpool(views.consent, ho)))

    async def publish_page(request, sess, form):
        q = request.query_params
        done = {"what": q.get("what", ""), "fid": q.get("fid", "")} if q.get("fid", "").isdigit() else None
        return render(
            request, "publish.html", sess, done=done, error=None, form={}, current_interval=ho.sync_interval_minutes
        )

    def publish_error(request, sess, form, error):
        return render(
            request,
            "publish.html",
            sess,
            status=400,
            done=None,
            error=error,
            form=form,
            current_interval=ho.sync_interval_minutes,
        )

    async def notice_preview(request, sess, form):
        try:
            payload, notices = publishing.parse_notice(form.get("notice", ""))
        except publishing.PublishError as exc:
            return publish_error(request, sess, form, (exc.key, exc.params))
        return render(
            request,
            "preview.html",
            sess,
            notices=notices,
            raw=json.dumps(payload, ensure_ascii=False, indent=2),
            target=form.get("target", "").strip(),
            version=notices["zh_CN"].version,
            tn={lang: translator(lang) for lang in ("zh_CN", "en")},
        )

    def publisher(kind: str, audit_what: str):
        async def handler(request, sess, form):
            try:
                payload, target = publishing.parse(kind, form)
            except publishing.PublishError as exc:
                return publish_error(request, sess, form, (exc.key, exc.params))
            try:
                fid = await run_in_threadpool(ho.publish, kind, payload, target)
            except UserError as exc:  # the service's own check (RET-1..3), same words as the form's
                key = "publish.policy_over_limit" if exc.key == "retention.policy_over_limit" else "publish.bad_value"
                key = "publish.version_reused" if exc.key == "notice.version_reused" else key  # NOT-2
                return publish_error(request, sess, form, (key, exc.params))
            await run_in_threadpool(accounts.audit, sess.username, "console.publish", kind, {"feed_id": fid}, target)
            return RedirectResponse(BASE + "/publish?" + urlencode({"what": audit_what, "fid": fid}), status_code=303)

        return handler

    routes = [
        Route("/signin", signin, methods=["GET", "POST"]),
        Route("/lang/{lang}", switch_lang, methods=["GET"]),
        Mount("/static", app=StaticFiles(directory=str(HERE / "static")), name="static"),
        Route("/", guarded(home), methods=["GET"]),
        Route("/signout", guarded(signout), methods=["POST"]),
        Route("/stores", guarded(stores_page, page="stores"), methods=["GET"]),
        Route("/stores/create", guarded(create_store, perm="store.create"), methods=["POST"]),
        Route("/stores/{code}", guarded(store_page, page="store"), methods=["GET"]),
        Route("/requests", guarded(requests_page, page="requests"), methods=["GET"]),
        Route("/requests/{store}/{rid}", guarded(request_page, page="request"), methods=["GET"]),
        Route("/erasures", guarded(erasures_page, page="erasures"), methods=["GET"]),
        Route("/consent", guarded(consent_page, page="consent"), methods=["GET"]),
        Route("/publish", guarded(publish_page, page="publish"), methods=["GET"]),
        Route("/publish/notice/preview", guarded(notice_preview, perm="publish.notice"), methods=["POST"]),
        Route("/publish/notice", guarded(publisher("notice", "notice"), perm="publish.notice"), methods=["POST"]),
        Route(
            "/publish/policy",
            guarded(publisher("retention_policy", "retention_policy"), perm="publish.policy"),
            methods=["POST"],
        ),
        Route(
            "/publish/holidays",
            guarded(publisher("holiday_table", "holiday_table"), perm="publish.holidays"),
            methods=["POST"],
        ),
        Route("/publish/interval", guarded(publisher("config", "config"), perm="publish.interval"), methods=["POST"]),
        *evidence_view.routes(ho, guarded, render, accounts, today),
        *incident_pages.routes(ho, BASE, render, guarded, lang_of),
    ]
    app = Starlette(routes=routes)
    app.state.accounts = accounts
    app.state.throttle = throttle
    return SecurityHeaders(app)
