"""The console's evidence-pack page (证据包, issue #19): choose a period and stores, build, download the PDF
and the bundle. Every role may build a pack without personal data (it is a read); a pack with the members'
internal ids needs the auditor or compliance role and a stated reason (headoffice.evidence checks both). The
build and each download are audited in ho_audit. A built pack waits in memory for its builder only, at most
DOWNLOAD_SECONDS, never on disk.
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from app.evidence import model as M
from app.evidence.model import SECTIONS, EvidencePack
from headoffice import evidence
from headoffice.console.i18n import T

DOWNLOAD_SECONDS = 15 * 60
MAX_PER_USER = 3

T.update(
    {
        "nav.evidence": ("证据包", "Evidence pack"),
        "evidence.title": ("证据包", "Evidence pack"),
        "evidence.help": (
            "为选定期间和门店生成一份审计人员可读的 PDF 和一份机器可读的数据包（JSON 文件及含 SHA-256 的清单，zip）。",
            "Build one PDF an auditor can read and a machine-readable bundle (JSON files and a manifest with"
            " SHA-256, zipped) for the chosen period and stores.",
        ),
        "evidence.from": ("开始日期", "From"),
        "evidence.to": ("结束日期", "To"),
        "evidence.stores": ("门店（不选则为全部门店）", "Stores (none ticked: every store)"),
        "evidence.personal": ("包含会员内部编号（个人信息）", "Include members' internal ids (personal data)"),
        "evidence.reason": ("理由（包含个人信息时必填）", "Reason (required with personal data)"),
        "evidence.personal_note": (
            "只有审计员和合规专员可以生成含个人信息的证据包；理由记入审计日志。",
            "Only auditors and compliance officers may build a pack with personal data; the reason is audited.",
        ),
        "evidence.build": ("生成证据包", "Build the evidence pack"),
        "evidence.ready": ("证据包已生成：", "The evidence pack is ready:"),
        "evidence.pdf": ("下载 PDF", "Download the PDF"),
        "evidence.bundle": ("下载数据包（zip）", "Download the bundle (zip)"),
        "evidence.expires": (
            "下载链接 {minutes} 分钟内有效，仅限本人。",
            "The links work for {minutes} minutes, for you only.",
        ),
        "evidence.section": ("章节", "Section"),
        "evidence.counts": ("统计", "Counts"),
        "evidence.gaps": ("缺口（未上报或不可得）", "Gaps (not reported or not available)"),
        "evidence.bad_period": (
            "期间不正确：开始日期须早于结束日期，且不超过三年。",
            "The period is not valid: the start must come before the end, and it may not exceed three years.",
        ),
        "evidence.no_store": ("没有可选的门店。", "There is no store to include."),
        "evidence.personal_role": (
            "您的角色不能生成含个人信息的证据包。",
            "Your role cannot build a pack with personal data.",
        ),
        "evidence.personal_reason": (
            "包含个人信息时须写明理由（至少 8 个字符）。",
            "A pack with personal data needs a stated reason (at least 8 characters).",
        ),
        "evidence.expired": ("下载链接已失效，请重新生成。", "The link has expired. Build the pack again."),
    }
)


class Downloads:
    """Built packs waiting for their builder's download: token -> (user, built at, pack)."""

    def __init__(self, clock: Callable[[], float]):
        self.clock = clock
        self._lock = threading.Lock()
        self._items: dict[str, tuple[str, float, EvidencePack]] = {}

    def put(self, user: str, pack: EvidencePack) -> str:
        token = secrets.token_urlsafe(18)
        with self._lock:
            self._expire()
            mine = sorted((t for t, v in self._items.items() if v[0] == user), key=lambda t: self._items[t][1])
            for old in mine[: max(0, len(mine) - MAX_PER_USER + 1)]:
                del self._items[old]
            self._items[token] = (user, self.clock(), pack)
        return token

    def get(self, user: str, token: str) -> EvidencePack | None:
        with self._lock:
            self._expire()
            item = self._items.get(token)
        return item[2] if item is not None and secrets.compare_digest(item[0], user) else None

    def _expire(self) -> None:
        now = self.clock()
        for t in [t for t, v in self._items.items() if now - v[1] > DOWNLOAD_SECONDS]:
            del self._items[t]


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        return None


def routes(ho: Any, guarded: Callable, render: Callable, accounts: Any, today: Callable[[], dt.date]) -> list[Route]:
    downloads = Downloads(ho.clock)

    def page(request: Request, sess: Any, status: int = 200, **ctx: Any) -> Response:
        stores = [s["code"] for s in ho.list_stores()]
        end = today()
        form = ctx.pop("form", None) or {"from": end.replace(month=1, day=1).isoformat(), "to": end.isoformat()}
        return render(
            request,
            "evidence.html",
            sess,
            status=status,
            stores=stores,
            form=form,
            sections=SECTIONS,
            minutes=DOWNLOAD_SECONDS // 60,
            gap_text=M.gap_text,
            summary_text=M.summary_text,
            **ctx,
        )

    async def show(request: Request, sess: Any, form: dict[str, str]) -> Response:
        return await run_in_threadpool(page, request, sess, built=None, error=None)

    async def build(request: Request, sess: Any, form: dict[str, str]) -> Response:
        start, end = _date(form.get("from", "")), _date(form.get("to", ""))
        chosen = [k[len("store:") :] for k in form if k.startswith("store:")]
        personal = form.get("personal") == "1"
        if start is None or end is None:
            return await run_in_threadpool(page, request, sess, 400, built=None, error="evidence.bad_period", form=form)
        try:
            result = await run_in_threadpool(
                lambda: evidence.build_pack(
                    ho,
                    stores=chosen,
                    period_from=start,
                    period_to=end,
                    actor=sess.username,
                    role=sess.role,
                    personal=personal,
                    reason=form.get("reason", "")[:500],
                )
            )
        except evidence.EvidenceError as exc:
            await run_in_threadpool(accounts.audit, sess.username, "console.evidence.refused", exc.code)
            return await run_in_threadpool(page, request, sess, 400, built=None, error=exc.code, form=form)
        token = downloads.put(sess.username, result)
        return await run_in_threadpool(
            page, request, sess, built={"token": token, "pack": result.pack}, error=None, form=form
        )

    async def download(request: Request, sess: Any, form: dict[str, str]) -> Response:
        token, kind = request.path_params["token"], request.path_params["kind"]
        result = downloads.get(sess.username, token)
        if result is None or kind not in ("pdf", "zip"):
            return render(request, "message.html", sess, status=404, message_key="evidence.expired")
        await run_in_threadpool(accounts.audit, sess.username, "console.evidence.download", kind)
        p = result.pack["period"]
        name = f"evidence-pack-{p['from']}-{p['to']}.{kind}"
        body, media = (result.pdf, "application/pdf") if kind == "pdf" else (result.bundle, "application/zip")
        return Response(body, media_type=media, headers={"content-disposition": f'attachment; filename="{name}"'})

    return [
        Route("/evidence", guarded(show, page="evidence"), methods=["GET"]),
        Route("/evidence", guarded(build), methods=["POST"]),
        Route("/evidence/{token}/{kind}", guarded(download), methods=["GET"]),
    ]
