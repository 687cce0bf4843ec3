"""The console's incident register pages (PIPL Art. 57): list with the deadline clock, record, edit
measures, mark the authority / the people affected told, close. Every change calls
headoffice.incidents — the same functions as `memberdesk-headoffice incident …` — and nothing else.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from app.errors import UserError
from headoffice import incidents

PERM = "incident.write"
LIST_LIMIT = 100  # open ones first, then the newest


def routes(ho: Any, base: str, render: Any, guarded: Any, lang_of: Any) -> list[Route]:
    def store_codes() -> list[str]:
        with ho.storage.read() as c:
            return [r[0] for r in c.all("SELECT code FROM stores ORDER BY code")]

    async def list_page(request, sess, form, error: str | None = None, status: int = 200) -> Response:
        rows = await run_in_threadpool(lambda: incidents.list_incidents(ho, limit=LIST_LIMIT))
        codes = await run_in_threadpool(store_codes)
        return render(
            request,
            "incidents.html",
            sess,
            status=status,
            incidents=rows,
            error=error,
            form=form,
            kinds=incidents.DATA_KINDS,
            store_codes=codes,
            notify_hours=incidents.NOTIFY_HOURS,
        )

    async def detail(request, sess, form, error: str | None = None, status: int = 200) -> Response:
        row = await run_in_threadpool(incidents.get, ho, request.path_params["iid"])
        if row is None:
            return render(request, "message.html", sess, status=404, message_key="not_found")
        return render(
            request, "incident.html", sess, status=status, i=row, error=error, notify_hours=incidents.NOTIFY_HOURS
        )

    async def create(request, sess, form):
        try:
            iid = await run_in_threadpool(
                lambda: incidents.record(
                    ho,
                    "console:" + sess.username,
                    title=form.get("title", ""),
                    description=form.get("description", ""),
                    found_at=incidents.parse_beijing(form.get("found_at", "")),
                    occurred_at=incidents.parse_beijing(form["occurred_at"]) if form.get("occurred_at") else None,
                    stores=[s for s in form.get("stores", "").replace("，", ",").split(",") if s.strip()],
                    data_kinds=[k for k in form.get("data_kinds", "").split(",") if k.strip()],
                    people_affected=form.get("people_affected") or None,
                    measures=form.get("measures") or None,
                )
            )
        except UserError as exc:
            return await list_page(request, sess, form, error=exc.message(lang_of(request)), status=400)
        return RedirectResponse(f"{base}/incidents/{iid}", status_code=303)

    def action(fn):
        async def handler(request, sess, form):
            try:
                await run_in_threadpool(fn, "console:" + sess.username, request.path_params["iid"], form)
            except UserError as exc:
                return await detail(request, sess, form, error=exc.message(lang_of(request)), status=400)
            return RedirectResponse(f"{base}/incidents/{request.path_params['iid']}", status_code=303)

        return handler

    def measures(actor: str, iid: str, form: dict) -> None:
        incidents.update_measures(ho, actor, iid, form.get("measures", ""))

    def authority(actor: str, iid: str, form: dict) -> None:
        when = incidents.parse_beijing(form.get("when", ""))
        incidents.mark_authority_told(ho, actor, iid, when, form.get("authority", ""))

    def people(actor: str, iid: str, form: dict) -> None:
        when = incidents.parse_beijing(form["when"]) if form.get("when") else None
        incidents.mark_people_told(ho, actor, iid, when, form.get("how", ""))

    def close(actor: str, iid: str, form: dict) -> None:
        incidents.close(ho, actor, iid)

    return [
        Route("/incidents", guarded(list_page, page="incidents"), methods=["GET"]),
        Route("/incidents", guarded(create, perm=PERM), methods=["POST"]),
        Route("/incidents/{iid}", guarded(detail, page="incident"), methods=["GET"]),
        Route("/incidents/{iid}/measures", guarded(action(measures), perm=PERM), methods=["POST"]),
        Route("/incidents/{iid}/authority", guarded(action(authority), perm=PERM), methods=["POST"]),
        Route("/incidents/{iid}/people", guarded(action(people), perm=PERM), methods=["POST"]),
        Route("/incidents/{iid}/close", guarded(action(close), perm=PERM), methods=["POST"]),
    ]
