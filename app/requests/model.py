"""Request types, states, permissions and messages of the customer-request domain (issue 6).

A request is a small state machine (RIG-1, RIG-2, RIG-4):

    received ──verify──▶ verified ──start──▶ in_progress ──complete──▶ completed
        │                    │                    │
        └──────────── refuse (reason + legal basis) ───────────────▶ refused
    any open state ──pause(reason, waits_for)──▶ paused ──resume(answer)──▶ the state it was paused from

The clock (RIG-2, issue #15): 15 working days from receipt, whatever the channel (the desk, the hotline,
online service: phone and online requests are entered at the desk with their channel and day of receipt).
A pause is only for waiting on the customer (identity proof, clarification) and ends with the customer's
answer: the due date moves by the working days waited. One extension at most, by a manager, with a
reason, told to the customer in a letter. Nothing else moves the due date later (the store's triggers of
migration 0013 refuse it too).

A customer who is not found is recorded as such (no member) and closed with outcome
`not_found`; the letter says so. Nothing personal is stored on a request.
"""

from __future__ import annotations

from typing import Any, TypedDict

from app.members.service import MEMBER_VIEW_RESTRICTED
from app.messages import add_messages
from app.staff import permissions as P

DUE_WORKING_DAYS = 15  # RIG-2
SOON_WORKING_DAYS = 3  # amber in the queue
MAX_EXTENSION_DAYS = 15
MAX_EXTENSIONS = 1  # one extension at most (RIG-2)
LATE_ENTRY_DAYS = 30  # a phone/online request is entered within this many calendar days of its receipt


class _RequestFields(TypedDict):
    id: str
    request_no: str
    type: str
    customer_found: int
    status: str
    paused_from: str | None
    paused_on: str | None
    pause_waits_for: str | None
    identity_method: str | None
    channel: str
    received_at: str
    received_on: str
    base_due_on: str
    due_on: str
    table_missing: str
    paused_days: int
    extended_days: int
    outcome: str | None
    refusal_reason: str | None
    legal_basis: str | None
    result_summary: dict[str, Any]  # field names, purpose codes, counts (no values)
    closed_at: str | None
    store_code: str
    opened_by: str
    closed_by: str | None
    member_erased: int
    updated_at: str


class RequestRecord(_RequestFields):
    """A row of `requests` as `app.requests.service.get_request` returns it (result_summary parsed)."""

    member_id: str | None  # None: the customer is not a member held here


class MemberRequest(_RequestFields):
    """A request checked to be a member's (customer found, member id set): what the `execute_*` steps work on."""

    member_id: str


class RequestEvent(TypedDict):
    """A timeline entry (`request_events` row with the staff member's name, data parsed)."""

    id: int
    request_id: str
    ts: str
    staff_id: str | None
    event: str
    from_status: str | None
    to_status: str | None
    note: str | None
    data: dict[str, Any]
    staff_name: str | None


TYPES = ("access", "copy", "transfer", "explain", "correct", "restrict", "withdraw", "cancel", "delete")
TYPE_LABELS = {  # zh_CN, en — the words of ../shared/UX.md
    "access": ("查阅", "See"),
    "copy": ("复制", "Copy"),
    "transfer": ("转移", "Transfer"),  # a copy for another processor (PIPL Art. 45)
    "explain": ("解释说明", "Explain the processing rules"),  # PIPL Art. 48
    "correct": ("更正、补充", "Correct"),
    "restrict": ("限制处理", "Restrict processing"),
    "withdraw": ("撤回同意", "Withdraw consent"),
    "cancel": ("注销会员", "Cancel membership"),
    "delete": ("删除", "Delete"),
}
CHANNELS = ("desk", "phone", "online")  # RIG-1: the convenient channels the policy names
CHANNEL_LABELS = {
    "desk": ("门店服务台", "Service desk"),
    "phone": ("客服热线", "Hotline"),
    "online": ("线上客服", "Online service"),
}
WAITS_FOR = ("identity_proof", "clarification")  # a pause waits for the customer, nothing else
WAITS_FOR_LABELS = {
    "identity_proof": ("等待顾客提供身份证明", "Waiting for the customer's proof of identity"),
    "clarification": ("等待顾客说明申请内容", "Waiting for the customer to clarify the request"),
}
ANSWERS = ("provided", "clarified", "declined")  # how the customer answered: the pause ends
ANSWER_LABELS = {
    "provided": ("顾客已提供身份证明", "The customer provided proof of identity"),
    "clarified": ("顾客已说明申请内容", "The customer clarified the request"),
    "declined": ("顾客表示无法提供", "The customer said they cannot provide it"),
}
STATUSES = ("received", "verified", "in_progress", "paused", "completed", "refused")
OPEN_STATUSES = ("received", "verified", "in_progress", "paused")
STATUS_LABELS = {
    "received": ("已受理", "Received"),
    "verified": ("已核验身份", "Identity verified"),
    "in_progress": ("处理中", "In progress"),
    "paused": ("已暂停", "Paused"),
    "completed": ("已完成", "Completed"),
    "refused": ("已拒绝", "Refused"),
}
IDENTITY_METHODS = ("id_card_sighted", "sms_code", "both")
IDENTITY_LABELS = {
    "id_card_sighted": ("查验身份证件（不留存号码）", "ID card sighted (number not kept)"),
    "sms_code": ("向登记手机号发送验证码", "Code sent to the registered mobile"),
    "both": ("查验身份证件并发送验证码", "ID card sighted and code sent"),
}
EVENT_LABELS = {
    "received": ("受理申请", "Request received"),
    "verified": ("核验身份", "Identity verified"),
    "started": ("开始处理", "Processing started"),
    "paused": ("暂停处理", "Paused"),
    "resumed": ("恢复处理", "Resumed"),
    "extended": ("延长期限", "Deadline extended"),
    "executed": ("执行", "Carried out"),
    "completed": ("办结", "Completed"),
    "refused": ("拒绝", "Refused"),
    "not_found": ("未找到该顾客", "Customer not found"),
    "restriction_lifted": ("解除限制处理", "Restriction lifted"),
    "printed": ("打印", "Printed"),
    "exported": ("导出副本", "Copy exported"),
    "awaiting_lookup": ("顾客不在本店会员中，待总部查询", "Customer not held here: waiting for the head-office lookup"),
    "chain_lookup": ("总部查询", "Looked up at head office"),
    "lookup_pending": ("总部暂时无法连接，稍后再查询", "Head office unreachable: look up again later"),
    "member_attached": ("已关联会员", "Linked to the member"),
    "chain_copy_pending": (
        "总部暂时无法连接，副本待补齐各门店信息",
        "Head office unreachable: copy waits for other stores",
    ),
}
# Transitions allowed by the lifecycle (pause/resume handled separately).
TRANSITIONS = {
    "verify": (("received",), "verified"),
    "start": (("verified",), "in_progress"),
    "complete": (("in_progress",), "completed"),
    "refuse": (("received", "verified", "in_progress"), "refused"),
}

REQUEST_OPEN = P.grant("request.open", P.CLERK, P.MANAGER)
REQUEST_VIEW = P.grant("request.view", P.CLERK, P.MANAGER)
REQUEST_HANDLE = P.grant("request.handle", P.CLERK, P.MANAGER)  # verify, start, pause, execute simple types
REQUEST_EXTEND = P.grant("request.extend", P.MANAGER)
REQUEST_REFUSE = P.grant("request.refuse", P.MANAGER)
REQUEST_EXPORT = P.grant("request.export", P.MANAGER)  # the full copy reveals every field
RESTRICTION_LIFT = P.grant("member.restriction_lift", P.MANAGER)
# RIG-5: clerks never see restricted members; the permission is the members domain's, named here for requests
MEMBER_RESTRICTED_VIEW = MEMBER_VIEW_RESTRICTED

add_messages(
    {
        "requests.type_invalid": ("申请类型无效。", "Unknown request type."),
        "requests.identity_invalid": ("请选择身份核验方式。", "Choose how the customer's identity was checked."),
        "requests.member_missing": (
            "未找到该会员。如顾客确实不是会员，请选择“未找到该顾客”。",
            "No such member. If the customer is not a member, choose 'customer not found'.",
        ),
        "requests.not_found": ("未找到该申请。", "No such request."),
        "requests.bad_state": (
            "该申请当前状态为“{status}”，不能执行此步骤。",
            "The request is '{status}'; this step is not possible now.",
        ),
        "requests.reason_required": ("请填写理由。", "Enter a reason."),
        "requests.legal_basis_required": (
            "拒绝申请必须填写拒绝理由和法律依据。",
            "A refusal needs a reason and its legal basis.",
        ),
        "requests.channel_invalid": (
            "请选择申请渠道：门店服务台、客服热线或线上客服。",
            "Choose the channel: service desk, hotline or online service.",
        ),
        "requests.received_on_invalid": (
            "受理日期须为今天；电话或线上收到的申请可填写收到之日（最早 {days} 天前，不能晚于今天）。",
            "The day of receipt is today; for a phone or online request, the day it came in "
            "(at most {days} days ago, never after today).",
        ),
        "requests.waits_for_invalid": (
            "暂停只用于等待顾客：请选择等待顾客提供身份证明或说明申请内容。",
            "A pause is only for waiting on the customer: choose proof of identity or a clarification.",
        ),
        "requests.identity_already_verified": (
            "该申请已核验身份，不能以等待身份证明为由暂停。",
            "Identity is already verified; the request cannot be paused to wait for proof of identity.",
        ),
        "requests.answer_invalid": (
            "请选择顾客的答复，并填写答复日期（不早于暂停之日，不晚于今天）。",
            "Choose the customer's answer and its date (not before the pause began, not after today).",
        ),
        "requests.extension_once": (
            "期限只能延长一次，该申请已延长过。",
            "The deadline can be extended only once; this request was already extended.",
        ),
        "requests.due_later": (
            "答复期限只能因等待顾客或一次延期而推迟。",
            "The due date can move later only for waiting on the customer or the one extension.",
        ),
        "reminder.requests_table_missing": (
            "{count} 件申请的答复期限在缺少节假日表的年份，按保守方法计算（可能偏早）。请导入节假日表。",
            "{count} request(s) have a due date in a year without a holiday table, computed conservatively "
            "(possibly early). Import the holiday table.",
        ),
        "requests.extension_invalid": (
            "延长期限为 1–{max} 个工作日，并须填写理由。",
            "An extension is 1–{max} working days and needs a reason.",
        ),
        "requests.no_member": (
            "该申请没有对应会员（未找到该顾客），只能按“未找到”办结。",
            "This request has no member (customer not found); it can only be closed as not found.",
        ),
        "requests.member_erased": (
            "该会员的个人信息已删除。",
            "This member's personal information has already been deleted.",
        ),
        "requests.changes_required": ("请填写要更正的内容。", "Enter what is to be corrected."),
        "requests.purposes_required": (
            "请选择要撤回同意的处理目的。",
            "Choose the purposes whose consent is withdrawn.",
        ),
        "requests.already_cancelled": ("该会员已注销。", "This membership is already cancelled."),
        "requests.already_restricted": (
            "该会员已处于限制处理状态。",
            "Processing of this member is already restricted.",
        ),
        "requests.not_restricted": ("该会员未处于限制处理状态。", "Processing of this member is not restricted."),
        "requests.restricted_member": (
            "该会员已被限制处理，仅店长可查看。",
            "Processing of this member is restricted; only a store manager can see it.",
        ),
        "reminder.requests_overdue": (
            "{count} 件个人信息权利申请已超期，请立即处理。",
            "{count} customer request(s) are overdue. Handle them now.",
        ),
        "reminder.requests_due": (
            "{count} 件个人信息权利申请将在 3 个工作日内到期。",
            "{count} customer request(s) are due within 3 working days.",
        ),
    }
)


def label(table: dict, key: str, lang: str = "zh_CN") -> str:
    pair = table.get(key)
    if not pair:
        return key or ""
    return pair[1] if lang.startswith("en") else pair[0]
