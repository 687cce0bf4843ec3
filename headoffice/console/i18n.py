"""The console's words in Chinese (default) and English; the terms follow /work/shared/UX.md."""

from __future__ import annotations

LANGS = ("zh_CN", "en")

T = {
    "app.title": ("MemberDesk 总部控制台", "MemberDesk head-office console"),
    "nav.stores": ("门店", "Stores"),
    "nav.requests": ("个人信息权利申请", "Requests"),
    "nav.erasures": ("删除指令", "Erasure orders"),
    "nav.consent": ("同意情况", "Consent"),
    "nav.publish": ("发布", "Publishing"),
    "nav.signout": ("退出登录", "Sign out"),
    "lang.switch": ("English", "中文"),
    "signin.title": ("总部人员登录", "Head-office sign-in"),
    "signin.user": ("用户名", "User name"),
    "signin.password": ("密码", "Password"),
    "signin.submit": ("登录", "Sign in"),
    "signin.failed": ("用户名或密码不正确，或账户已停用。", "Wrong user name or password, or the account is disabled."),
    "signin.throttled": ("尝试次数过多，请 {seconds} 秒后再试。", "Too many attempts. Try again in {seconds} s."),
    "signin.expired": ("会话已过期，请重新登录。", "Your session has expired. Please sign in again."),
    "role.compliance": ("合规专员", "Compliance officer"),
    "role.it": ("IT", "IT"),
    "role.auditor": ("只读审计员", "Read-only auditor"),
    "csrf.refused": ("表单已失效，请刷新页面后重试。", "The form has expired. Reload the page and try again."),
    "forbidden": ("您的角色不能执行此操作。", "Your role cannot do this."),
    "not_found": ("没有找到。", "Not found."),
    "done": ("已完成。", "Done."),
    "user.bad_name": ("用户名只能包含字母、数字和 . _ -。", "A user name may hold letters, digits and . _ - only."),
    "user.bad_role": ("角色不正确。", "Unknown role."),
    "user.short_password": ("密码至少 12 个字符。", "The password needs at least 12 characters."),
    "user.exists": ("该用户已存在。", "That user already exists."),
    "user.unknown": ("没有这个用户。", "No such user."),
    # stores
    "stores.title": ("门店", "Stores"),
    "stores.code": ("门店编号", "Store code"),
    "stores.name": ("门店名称", "Store name"),
    "stores.enrolled": ("已登记", "Enrolled"),
    "stores.last_upload": ("最近上传", "Last upload"),
    "stores.last_pull": ("最近下载", "Last pull"),
    "stores.pending": ("待上传", "Pending"),
    "stores.quarantined": ("隔离行", "Quarantined"),
    "stores.alarms": ("审计日志锚定告警", "Audit-anchoring alarms"),
    "stores.audit_head": ("审计日志序号", "Audit log head"),
    "stores.create": ("新建门店 / 生成登记码", "New store / enrolment code"),
    "stores.ttl": ("有效小时数", "Valid for (hours)"),
    "stores.create_submit": ("生成登记码", "Create enrolment code"),
    "stores.code_created": ("门店 {code} 的一次性登记码：", "One-time enrolment code for store {code}:"),
    "stores.code_note": ("此码只显示一次，{hours} 小时内有效。", "Shown once only; valid for {hours} hours."),
    "stores.none": ("还没有门店。", "No stores yet."),
    "store.quarantine": ("隔离的上传行（只有元数据）", "Quarantined upload rows (metadata only)"),
    "store.alarm_list": ("审计日志告警", "Audit-log alarms"),
    "store.seq": ("序号", "Sequence"),
    "store.entity": ("类型", "Entity"),
    "store.reason": ("原因", "Reason"),
    "store.time": ("时间", "Time"),
    "store.details": ("详情", "Details"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "none": ("无", "none"),
    # requests
    "requests.title": ("个人信息权利申请（各门店）", "Requests across stores"),
    "requests.open": ("未结", "Open"),
    "requests.due_soon": ("3 日内到期", "Due within 3 days"),
    "requests.overdue": ("已超期", "Overdue"),
    "requests.today": ("今天", "Today"),
    "requests.store": ("门店", "Store"),
    "requests.id": ("申请编号", "Request"),
    "requests.type": ("申请类型", "Type"),
    "requests.status": ("状态", "Status"),
    "requests.due": ("答复期限", "Due"),
    "requests.clock": ("剩余/超期天数", "Days left / overdue"),
    "requests.received": ("收到时间", "Received"),
    "requests.none": ("没有未结申请。", "No open requests."),
    "requests.back": ("返回申请列表", "Back to requests"),
    # erasures
    "erasures.title": ("删除指令与回执", "Erasure orders and receipts"),
    "erasures.member": ("会员内部编号", "Member id"),
    "erasures.erased_at": ("删除时间", "Erased at"),
    "erasures.origin": ("发起门店", "Origin store"),
    "erasures.receipts": ("已回执门店", "Receipts from"),
    "erasures.missing": ("尚未回执", "Waiting for"),
    "erasures.none": ("没有删除指令。", "No erasure orders."),
    # consent
    "consent.title": ("同意情况（按告知书版本和处理目的）", "Consent by notice version and purpose"),
    "consent.version": ("告知书版本", "Notice version"),
    "consent.purpose": ("处理目的", "Purpose"),
    "consent.granted": ("同意", "Granted"),
    "consent.refused": ("不同意", "Refused"),
    "consent.withdrawn": ("撤回同意", "Withdrawn"),
    "consent.current": ("当前版本", "Current version"),
    "consent.reconsent": ("待重新同意的会员", "Members awaiting fresh consent"),
    "consent.none": ("总部还没有同意记录。", "Head office holds no consent records yet."),
    "consent.note": ("按每位会员每个处理目的的最新决定计数。", "Counts the latest decision per member and purpose."),
    # publishing
    "publish.title": ("发布", "Publishing"),
    "publish.notice": ("顾客信息处理告知书", "Customer information processing notice"),
    "publish.notice_help": (
        '粘贴 JSON：{"zh_CN": {…}, "en": {…}}（与 publish-notice 相同）。',
        'Paste JSON: {"zh_CN": {…}, "en": {…}} (as for publish-notice).',
    ),
    "publish.preview": ("预览", "Preview"),
    "publish.preview_title": ("发布前预览：告知书 {version}", "Preview before publishing: notice {version}"),
    "publish.publish": ("发布", "Publish"),
    "publish.target": ("只发给门店（留空为全部门店）", "Only to store (empty: every store)"),
    "publish.policy": ("保存期限规则", "Retention policy"),
    "publish.policy_help": (
        '粘贴 JSON：{"rules": [...]}（与 publish-policy 相同）。',
        'Paste JSON: {"rules": [...]} (as for publish-policy).',
    ),
    "publish.holidays": ("节假日表", "Holiday table"),
    "publish.year": ("年份", "Year"),
    "publish.holidays_help": (
        'JSON：{"2027-01-01": "holiday", "2027-02-07": "workday"}（法定节假日 / 调休上班日）。',
        'JSON: {"2027-01-01": "holiday", "2027-02-07": "workday"} (public holiday / adjusted working day).',
    ),
    "publish.interval": ("同步间隔（分钟）", "Sync interval (minutes)"),
    "publish.published": ("已发布（{what}，feed {fid}）。", "Published ({what}, feed {fid})."),
    "publish.bad_json": ("JSON 格式不正确。", "The JSON is not valid."),
    "publish.bad_notice": ("告知书不正确：{detail}", "The notice is not valid: {detail}"),
    "publish.bad_value": ("数值不正确。", "The value is not valid."),
    "publish.version_reused": (
        "告知书版本 {version} 已有另一份内容（随程序发布或已发布过）。同一个版本号只能对应一份内容，请使用新的版本号。",
        "Notice version {version} already exists with other content (shipped with the app or published before). "
        "One version number has one text: use a new version number.",
    ),
    "publish.policy_over_limit": (
        "保存期限超过政策上限（{categories}）：会员信息 3 年、交易记录 5 年、客服记录 2 年。"
        "更长的期限须注明法律依据（legal_basis）。",
        "The retention period is longer than the policy allows ({categories}): members 3 years, purchases"
        " 5 years, service records 2 years. A longer period must name its legal basis (legal_basis).",
    ),
    "publish.readonly": ("您的角色只能查看。", "Your role can only view."),
    "notice.purposes": ("处理目的", "Purposes"),
    "notice.required": ("办理会员所必需", "required for membership"),
    "notice.optional": ("可选", "optional"),
    "notice.sensitive": ("敏感个人信息", "sensitive personal information"),
    "notice.retention": ("保存期限", "Retention period"),
    "notice.recipients": ("接收方", "Recipients"),
    "notice.method": ("处理方式", "Method"),
    "notice.rights": ("您的权利", "Your rights"),
    "notice.contact": ("联系方式", "Contact"),
    "notice.effective": ("生效日期", "Effective date"),
}


def norm_lang(lang: str | None) -> str:
    return "en" if lang == "en" else "zh_CN"


def translator(lang: str):
    i = 1 if norm_lang(lang) == "en" else 0

    def t(key: str, **params) -> str:
        pair = T.get(key)
        text = pair[i] if pair else key
        return text.format(**params) if params else text

    return t
