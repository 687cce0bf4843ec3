"""Demo mode (`memberdesk --demo`): a throwaway store in a temporary folder, filled with clearly fake
members, so a new clerk or manager can try every screen without touching real data.

- Store "演示门店" with code DEMO; a demo manager and a demo clerk whose passwords are shown on the
  sign-in screen (DEMO_ACCOUNTS).
- ~200 synthetic members (names and mobiles from app/demo/datagen.py, every name starts with "演示·"),
  registered through the registration service over the past year, with consent records; about half
  with a purchase; one in sixteen registered ~3.5 years ago without a purchase (the retention dry run
  finds them due).
- A few requests at different points of the 15-working-day clock (one overdue, one due soon, one new).
- `DemoStore.cleanup()` deletes the folder; the UI calls it at exit.

Nothing here is ever written to the real data folder; the folder name starts with memberdesk-demo-.
"""

from __future__ import annotations

import datetime as dt
import random
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from app.access.vault import Vault
from app.clock import SystemClock
from app.config import resolve_paths
from app.demo import datagen
from app.domains import load_all
from app.flows.enrolment import register_member
from app.members.service import cipher_for
from app.notices import current_notice
from app.notices.model import REQUIRED_PURPOSE
from app.printing.serials import issue_form_serials, mark_printed
from app.purchases.pos_import import import_pos_file
from app.purchases.records import record_purchase
from app.requests import service as request_service
from app.settings import set_setting
from app.staff.service import add_staff

if TYPE_CHECKING:
    from app.staff.session import Session

DEMO_MARK = "演示·"
STORE_CODE = "DEMO"
STORE_NAME = "演示门店"
DEMO_ACCOUNTS = {
    "manager": ("demo_manager", "Demo-manager-1", "演示店长"),
    "clerk": ("demo_clerk", "Demo-clerk-1", "演示店员"),
}
DEMO_ADDRESS = "上海市演示区虚构路{n}号（演示地址）"
GOODS = ("服装", "家电", "日化", "食品", "箱包")
PAYMENTS = ("微信支付", "支付宝", "现金", "银行卡")


class _ShiftClock(SystemClock):
    """The system clock, shifted back while the demo history is written (0 afterwards)."""

    def __init__(self) -> None:
        self.shift = dt.timedelta(0)

    def now(self) -> dt.datetime:
        return super().now() - self.shift

    def time(self) -> float:
        return self.now().timestamp()


@dataclass
class DemoStore:
    root: Path
    paths: object
    members: int
    requests: int

    @property
    def accounts(self) -> dict[str, tuple[str, str, str]]:
        return dict(DEMO_ACCOUNTS)

    def cleanup(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def demo_members(n: int, seed: int = 2026) -> Iterator[tuple[int, str, str]]:
    """(index, name, mobile) of n fake members: datagen names marked 演示·, unique mobiles."""
    for i, name, mobile in datagen.members(n, seed=seed):
        yield i, DEMO_MARK + name, mobile


def create_demo_store(root: str | Path | None = None, *, members: int = 200, seed: int = 2026) -> DemoStore:
    """Create and fill a demo store. Returns it locked (sign in with DEMO_ACCOUNTS)."""
    load_all()
    root = Path(root) if root else Path(tempfile.mkdtemp(prefix="memberdesk-demo-"))
    paths = resolve_paths(root / "data").ensure()
    clock = _ShiftClock()
    vault = Vault(paths, clock=clock)
    rng = random.Random(seed)
    try:
        clock.shift = dt.timedelta(days=400)
        user, password, display = DEMO_ACCOUNTS["manager"]
        session, _recovery = vault.setup(
            store_code=STORE_CODE,
            store_name=STORE_NAME,
            terminal_name="DEMO-1",
            username=user,
            display_name=display,
            password=password,
        )
        c_user, c_password, c_display = DEMO_ACCOUNTS["clerk"]
        clerk = add_staff(vault, session, username=c_user, display_name=c_display, role="clerk", password=c_password)
        with session.write("staff.demo_ready", "staff", clerk.id, {"demo": True}) as tx:
            tx.execute("UPDATE staff SET must_change_password = 0 WHERE id = ?", (clerk.id,))
        cipher = cipher_for(vault)
        notice = current_notice(session.db, "zh_CN")
        optional = [p.code for p in notice.purposes if not p.required and not p.sensitive]
        fields_of = {p.code: set(p.fields) for p in notice.purposes}
        ids = []
        old = max(1, members // 16)  # registered ~3.5 years ago, never bought: due for the retention sweep
        for i, name, mobile in demo_members(members, seed):
            days = 1300 + 10 * (old - i) if i < old else 400 * (members - i) / members
            clock.shift = dt.timedelta(days=days, minutes=rng.randint(0, 600))
            decisions = {p.code: False for p in notice.purposes}
            decisions[REQUIRED_PURPOSE] = True
            for code in optional:
                decisions[code] = rng.random() < 0.35
            values = {"name": name, "mobile": mobile}
            if rng.random() < 0.3:
                age = rng.randint(18, 70)
                values["birth_date"] = (
                    clock.now().date() - dt.timedelta(days=365 * age + rng.randint(0, 300))
                ).isoformat()
            for code, granted in decisions.items():
                if granted and "address" in fields_of.get(code, ()):
                    values["address"] = DEMO_ADDRESS.format(n=i + 1)
            mid = register_member(session, cipher, notice=notice, decisions=decisions, values=values, minor=False)["id"]
            ids.append(mid)
            if i >= old and rng.random() < 0.5:
                record_purchase(
                    session,
                    mid,
                    amount=f"{rng.randint(20, 2000)}.{rng.randint(0, 99):02d}",
                    goods_type=rng.choice(GOODS),
                    payment_method=rng.choice(PAYMENTS),
                )
        n_requests = _demo_requests(session, clock, ids, rng)
        clock.shift = dt.timedelta(days=2, hours=3)  # a batch of blank forms printed two days ago, one not yet
        serials = issue_form_serials(session, notice, 8)
        mark_printed(session, serials[:-1])
        clock.shift = dt.timedelta(0)
        _demo_pos_export(session, root / "pos-export", ids[old:], rng)
        session.db.checkpoint()
    except BaseException:
        vault.close()
        shutil.rmtree(root, ignore_errors=True)
        raise
    vault.close()
    return DemoStore(root=root, paths=paths, members=len(ids), requests=n_requests)


def _demo_pos_export(session: Session, folder: Path, ids: list[str], rng: random.Random) -> None:
    """Yesterday's POS export in the demo's own folder (set as the POS export folder), imported once: the home
    page's 收银数据 shows an import with two rejected lines to open (an unknown member number, a negative amount)."""
    folder.mkdir(parents=True, exist_ok=True)
    day = (session.clock.now() - dt.timedelta(days=1)).date().isoformat()
    nos = [
        session.db.scalar("SELECT member_no FROM members WHERE id = ?", (mid,))
        for mid in rng.sample(ids, min(30, len(ids)))
    ]
    # the header as the POS writes it (ASCII commas: a CSV, not Chinese prose)
    lines = [",".join(("交易号", "会员号", "交易时间", "金额", "商品类别", "支付方式", "支付流水号", "优惠券"))]
    for k, no in enumerate(nos):
        lines.append(
            f"POS{day.replace('-', '')}{k:04d},{no},{day} {9 + k % 12:02d}:{rng.randint(0, 59):02d}:00,"
            f"{rng.randint(20, 2000)}.{rng.randint(0, 99):02d},{rng.choice(GOODS)},{rng.choice(PAYMENTS)},"
            f"42000{rng.randint(10**17, 10**18 - 1)},{'CP-DEMO' if k % 7 == 0 else ''}"
        )
    lines.append(f"POS{day.replace('-', '')}9998,M999999999,{day} 20:00:00,88.00,{GOODS[0]},{PAYMENTS[0]},,")
    lines.append(f"POS{day.replace('-', '')}9999,{nos[0]},{day} 20:30:00,-15.00,{GOODS[0]},{PAYMENTS[0]},,")
    path = folder / f"{day.replace('-', '')}.csv"
    path.write_text("\r\n".join(lines) + "\r\n", "utf-8")
    import_pos_file(session, path)
    set_setting(session, "pos_export_folder", str(folder))


def _demo_requests(session: Session, clock: _ShiftClock, ids: list[str], rng: random.Random) -> int:
    """An overdue access request, a deletion request due soon, and a copy request received today."""
    plan = [(28, "access"), (18, "delete"), (0, "copy")]  # calendar days ago
    for (days, kind), member_id in zip(plan, rng.sample(ids, len(plan)), strict=True):
        clock.shift = dt.timedelta(days=days)
        request_service.open_request(session, kind, member_id, identity_method="id_card_sighted")
    return len(plan)
