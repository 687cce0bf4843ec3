<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_GB" sourcelanguage="zh_CN">
<context>
    <name>AddStaffDialog</name>
    <message>
        <source>添加员工</source>
        <translation>Add staff</translation>
    </message>
    <message>
        <source>店员</source>
        <translation>Clerk</translation>
    </message>
    <message>
        <source>店长</source>
        <translation>Store manager</translation>
    </message>
    <message>
        <source>姓名</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>用户名</source>
        <translation>User name</translation>
    </message>
    <message>
        <source>角色</source>
        <translation>Role</translation>
    </message>
    <message>
        <source>临时密码</source>
        <translation>Temporary password</translation>
    </message>
    <message>
        <source>员工首次登录时须改为自己的密码。</source>
        <translation>At the first sign-in the staff member must change it to their own password.</translation>
    </message>
    <message>
        <source>添加</source>
        <translation>Add</translation>
    </message>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
</context>
<context>
    <name>AppContext</name>
    <message>
        <source>未完成</source>
        <translation>Not completed</translation>
    </message>
</context>
<context>
    <name>ChainMatchCard</name>
    <message>
        <source>总部找到该手机号的会员（在其他门店登记）</source>
        <translation>Head office found a member with this mobile (registered at another store)</translation>
    </message>
    <message>
        <source>姓名（请与顾客核对）</source>
        <translation>Name (check with the customer)</translation>
    </message>
    <message>
        <source>会员号</source>
        <translation>Member number</translation>
    </message>
    <message>
        <source>登记门店</source>
        <translation>Registered at</translation>
    </message>
    <message>
        <source>已同意的处理目的</source>
        <translation>Purposes consented to</translation>
    </message>
    <message>
        <source>告知书版本</source>
        <translation>Notice version</translation>
    </message>
    <message>
        <source>顾客在场，确认</source>
        <translation>Customer present: confirm</translation>
    </message>
    <message>
        <source>不是这位顾客</source>
        <translation>Not this customer</translation>
    </message>
    <message>
        <source>无</source>
        <translation>None</translation>
    </message>
    <message>
        <source>限制处理</source>
        <translation>Restrict processing</translation>
    </message>
    <message>
        <source>不满十四周岁的未成年人：之后的同意需要监护人</source>
        <translation>A minor under 14: later consents need the guardian</translation>
    </message>
</context>
<context>
    <name>ChangePasswordDialog</name>
    <message>
        <source>修改密码</source>
        <translation>Change password</translation>
    </message>
    <message>
        <source>店长为您设置了临时密码，请先设置您自己的新密码。</source>
        <translation>Your store manager gave you a temporary password. Please set your own new password first.</translation>
    </message>
    <message>
        <source>当前密码</source>
        <translation>Current password</translation>
    </message>
    <message>
        <source>新密码</source>
        <translation>New password</translation>
    </message>
    <message>
        <source>确认新密码</source>
        <translation>Confirm new password</translation>
    </message>
    <message>
        <source>保存</source>
        <translation>Save</translation>
    </message>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>两次输入的新密码不一致。</source>
        <translation>The two new passwords do not match.</translation>
    </message>
</context>
<context>
    <name>ConsentPanel</name>
    <message>
        <source>只有第一项是办理会员所必需的，其他各项均可不同意，不影响办理会员。</source>
        <translation>Only the first purpose is needed for membership; you may refuse any other without affecting your membership.</translation>
    </message>
    <message>
        <source>办理会员所必需</source>
        <translation>Required for membership</translation>
    </message>
    <message>
        <source>可选</source>
        <translation>Optional</translation>
    </message>
    <message>
        <source>敏感个人信息，需单独同意</source>
        <translation>Sensitive personal information: separate consent</translation>
    </message>
    <message>
        <source>同意</source>
        <translation>I agree</translation>
    </message>
    <message>
        <source>不同意</source>
        <translation>I do not agree</translation>
    </message>
    <message>
        <source>保存期限</source>
        <translation>Retention period</translation>
    </message>
    <message>
        <source>信息类型</source>
        <translation>Data types</translation>
    </message>
    <message>
        <source>接收方</source>
        <translation>Recipients</translation>
    </message>
</context>
<context>
    <name>CorrectMemberDialog</name>
    <message>
        <source>更正信息</source>
        <translation>Correct</translation>
    </message>
    <message>
        <source>只填写需要更正或补充的项目，留空的项目不变。</source>
        <translation>Fill in only what needs correcting or adding; empty fields stay unchanged.</translation>
    </message>
    <message>
        <source>保存</source>
        <translation>Save</translation>
    </message>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
</context>
<context>
    <name>CustomerScreen</name>
    <message>
        <source>顾客信息处理告知书</source>
        <translation>Customer Information Processing Notice</translation>
    </message>
    <message>
        <source>返回</source>
        <translation>Back</translation>
    </message>
    <message>
        <source>下一步</source>
        <translation>Next</translation>
    </message>
    <message>
        <source>会员登记</source>
        <translation>Membership registration</translation>
    </message>
    <message>
        <source>您选择了纸质登记表。请在表上逐项勾选、填写并签名，店员随后为您录入。</source>
        <translation>You chose the paper registration form. Please tick each purpose, fill in the form and sign it; the clerk will then enter it for you.</translation>
    </message>
    <message>
        <source>请您先阅读《顾客信息处理告知书》</source>
        <translation>Please read the Customer Information Processing Notice first</translation>
    </message>
    <message>
        <source>我已阅读，下一步</source>
        <translation>I have read it, next</translation>
    </message>
    <message>
        <source>请您逐项选择是否同意</source>
        <translation>Please choose for each purpose whether you agree</translation>
    </message>
    <message>
        <source>确认</source>
        <translation>Confirm</translation>
    </message>
    <message>
        <source>敏感个人信息单独同意</source>
        <translation>Separate consent for sensitive personal information</translation>
    </message>
    <message>
        <source>同意并签名</source>
        <translation>Agree and sign</translation>
    </message>
    <message>
        <source>登记完成</source>
        <translation>Registration complete</translation>
    </message>
    <message>
        <source>感谢您的耐心。您的会员已办理完成。</source>
        <translation>Thank you for your patience. Your membership is ready.</translation>
    </message>
    <message>
        <source>请稍候</source>
        <translation>Please wait</translation>
    </message>
    <message>
        <source>店员正在为您录入信息，请稍候。</source>
        <translation>The clerk is entering your details. Please wait.</translation>
    </message>
</context>
<context>
    <name>DateField</name>
    <message>
        <source>选择日期</source>
        <translation>Pick a date</translation>
    </message>
</context>
<context>
    <name>DemoMode</name>
    <message>
        <source>演示模式 — 数据均为虚构</source>
        <translation>Demo mode — all data is fictitious</translation>
    </message>
    <message>
        <source>退出后所有演示数据将被删除</source>
        <translation>All demo data is deleted when you quit</translation>
    </message>
    <message>
        <source>演示账户（仅用于演示）：</source>
        <translation>Demo accounts (for the demo only):</translation>
    </message>
    <message>
        <source>店长：{0}，密码：{1}</source>
        <translation>Store manager: {0}, password: {1}</translation>
    </message>
    <message>
        <source>店员：{0}，密码：{1}</source>
        <translation>Clerk: {0}, password: {1}</translation>
    </message>
</context>
<context>
    <name>DestroyOriginalsDialog</name>
    <message>
        <source>销毁纸质原件</source>
        <translation>Destroy paper originals</translation>
    </message>
    <message>
        <source>以下 {n} 份纸质原件将被销毁。销毁前请确认均已扫描归档；销毁后请打印销毁记录，由店长和监销人签字存档。</source>
        <translation>The following {n} paper originals will be destroyed. Make sure each was scanned and archived first; afterwards print the destruction record for the store manager and the witness to sign and file.</translation>
    </message>
    <message>
        <source>销毁方式</source>
        <translation>Destruction method</translation>
    </message>
    <message>
        <source>碎纸机粉碎</source>
        <translation>Shredder</translation>
    </message>
    <message>
        <source>碎纸机交叉粉碎</source>
        <translation>Cross-cut shredder</translation>
    </message>
    <message>
        <source>委托专业销毁机构</source>
        <translation>Destruction company</translation>
    </message>
    <message>
        <source>销毁机构名称</source>
        <translation>Name of the destruction company</translation>
    </message>
    <message>
        <source>销毁证明上的编号</source>
        <translation>Number on the destruction certificate</translation>
    </message>
    <message>
        <source>方式</source>
        <translation>Method</translation>
    </message>
    <message>
        <source>销毁机构</source>
        <translation>Destruction company</translation>
    </message>
    <message>
        <source>销毁证明编号</source>
        <translation>Certificate number</translation>
    </message>
    <message>
        <source>店长</source>
        <translation>Store manager</translation>
    </message>
    <message>
        <source>监销人登录（须为店长以外的另一位员工）</source>
        <translation>Witness sign-in (another staff member, not the store manager)</translation>
    </message>
    <message>
        <source>用户名</source>
        <translation>User name</translation>
    </message>
    <message>
        <source>密码</source>
        <translation>Password</translation>
    </message>
    <message>
        <source>确认销毁</source>
        <translation>Confirm destruction</translation>
    </message>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>截止</source>
        <translation>due</translation>
    </message>
</context>
<context>
    <name>Dialog</name>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
</context>
<context>
    <name>DiscloseDialog</name>
    <message>
        <source>向第三方提供信息</source>
        <translation>Provide information to a third party</translation>
    </message>
    <message>
        <source>收货人姓名</source>
        <translation>Recipient&apos;s name</translation>
    </message>
    <message>
        <source>手机号</source>
        <translation>Mobile</translation>
    </message>
    <message>
        <source>收货地址</source>
        <translation>Delivery address</translation>
    </message>
    <message>
        <source>订单号</source>
        <translation>Order number</translation>
    </message>
    <message>
        <source>商品信息</source>
        <translation>Product information</translation>
    </message>
    <message>
        <source>物流企业（送货上门）</source>
        <translation>Logistics company (home delivery)</translation>
    </message>
    <message>
        <source>保险公司（延长保修）</source>
        <translation>Insurer (extended warranty)</translation>
    </message>
    <message>
        <source>接收方名称，例如 顺丰速运</source>
        <translation>Recipient&apos;s name, e.g. SF Express</translation>
    </message>
    <message>
        <source>订单号（可不填）</source>
        <translation>Order number (optional)</translation>
    </message>
    <message>
        <source>请选择</source>
        <translation>Please choose</translation>
    </message>
    <message>
        <source>顾客在屏幕上确认</source>
        <translation>Customer confirmed on screen</translation>
    </message>
    <message>
        <source>顾客签字确认</source>
        <translation>Customer signed</translation>
    </message>
    <message>
        <source>纸质授权书</source>
        <translation>Paper authorisation</translation>
    </message>
    <message>
        <source>本次单独授权</source>
        <translation>Separate authorisation for this disclosure</translation>
    </message>
    <message>
        <source>授权凭证：scan:扫描件编号 或 doc:授权书编号</source>
        <translation>Evidence: scan:scan ID or doc:authorisation number</translation>
    </message>
    <message>
        <source>授权凭证</source>
        <translation>Evidence</translation>
    </message>
    <message>
        <source>接收方类型</source>
        <translation>Recipient type</translation>
    </message>
    <message>
        <source>接收方</source>
        <translation>Recipient</translation>
    </message>
    <message>
        <source>提供的信息</source>
        <translation>Information provided</translation>
    </message>
    <message>
        <source>关联订单</source>
        <translation>Related order</translation>
    </message>
    <message>
        <source>记录并提供</source>
        <translation>Record and provide</translation>
    </message>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>保险公司只能获得订单号和商品信息，且须顾客已单独同意“延长保修服务”并对本次提供单独授权。</source>
        <translation>An insurer gets only the order number and the product, and only when the customer separately consented to &quot;extended warranty&quot; and separately authorised this disclosure.</translation>
    </message>
    <message>
        <source>物流企业只能获得收货人姓名、手机号和收货地址，仅用于本次配送。</source>
        <translation>A logistics company gets only the recipient&apos;s name, mobile and delivery address, for this delivery only.</translation>
    </message>
</context>
<context>
    <name>DisclosuresTab</name>
    <message>
        <source>时间</source>
        <translation>Time</translation>
    </message>
    <message>
        <source>接收方</source>
        <translation>Recipient</translation>
    </message>
    <message>
        <source>目的</source>
        <translation>Purpose</translation>
    </message>
    <message>
        <source>提供的信息</source>
        <translation>Information provided</translation>
    </message>
    <message>
        <source>关联订单</source>
        <translation>Related order</translation>
    </message>
    <message>
        <source>向第三方提供…</source>
        <translation>Provide to a third party…</translation>
    </message>
    <message>
        <source>送货上门</source>
        <translation>Home delivery</translation>
    </message>
    <message>
        <source>延长保修</source>
        <translation>Extended warranty</translation>
    </message>
    <message>
        <source>姓名</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>手机号</source>
        <translation>Mobile</translation>
    </message>
    <message>
        <source>收货地址</source>
        <translation>Delivery address</translation>
    </message>
    <message>
        <source>订单号</source>
        <translation>Order number</translation>
    </message>
    <message>
        <source>商品信息</source>
        <translation>Product information</translation>
    </message>
</context>
<context>
    <name>EvidencePackDialog</name>
    <message>
        <source>证据包</source>
        <translation>Evidence pack</translation>
    </message>
    <message>
        <source>本店在所选期间遵守顾客信息政策的证明：告知书及其校验码、同意统计、权利申请及答复时限、删除、纸质原件的扫描与销毁、保存期限清理、敏感个人信息的访问、员工与角色、审计日志锚定。不含顾客的个人信息。</source>
        <translation>Proof that this store kept the customer-information policy in the chosen period: notices and their checksums, consent statistics, requests and their deadlines, erasures, paper originals scanned and destroyed, retention sweeps, access to sensitive data, staff and roles, audit-log anchoring. It holds no customer&apos;s personal data.</translation>
    </message>
    <message>
        <source>开始日期</source>
        <translation>From</translation>
    </message>
    <message>
        <source>结束日期</source>
        <translation>To</translation>
    </message>
    <message>
        <source>生成证据包</source>
        <translation>Build the evidence pack</translation>
    </message>
    <message>
        <source>查看 PDF…</source>
        <translation>View the PDF…</translation>
    </message>
    <message>
        <source>保存数据包…</source>
        <translation>Save the bundle…</translation>
    </message>
    <message>
        <source>关闭</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>正在生成，请稍候…</source>
        <translation>Building, please wait…</translation>
    </message>
    <message>
        <source>已生成：权利申请 {n} 件（按时 {ok}，超期 {late}，办理中 {open}），删除 {er} 人。</source>
        <translation>Built: {n} requests ({ok} on time, {late} late, {open} open), {er} members erased.</translation>
    </message>
    <message>
        <source>保存数据包</source>
        <translation>Save the bundle</translation>
    </message>
    <message>
        <source>Zip 文件 (*.zip)</source>
        <translation>Zip files (*.zip)</translation>
    </message>
    <message>
        <source>数据包已保存。</source>
        <translation>The bundle is saved.</translation>
    </message>
</context>
<context>
    <name>HomePage</name>
    <message>
        <source>待办与到期提醒</source>
        <translation>To do and due dates</translation>
    </message>
    <message>
        <source>双击或按 Enter 打开相关页面</source>
        <translation>Double-click or press Enter to open the page it is about</translation>
    </message>
    <message>
        <source>登记新会员</source>
        <translation>Register a member</translation>
    </message>
    <message>
        <source>查找会员</source>
        <translation>Find a member</translation>
    </message>
    <message>
        <source>您好，</source>
        <translation>Hello, </translation>
    </message>
    <message>
        <source>店长</source>
        <translation>Store manager</translation>
    </message>
    <message>
        <source>店员</source>
        <translation>Clerk</translation>
    </message>
    <message>
        <source>目前没有到期或逾期的事项。</source>
        <translation>Nothing is due or overdue.</translation>
    </message>
</context>
<context>
    <name>ImportReportDialog</name>
    <message>
        <source>收银数据导入结果</source>
        <translation>POS import result</translation>
    </message>
    <message>
        <source>已导入 {a} 条；重复（已导入过）{d} 条；未导入 {r} 条。</source>
        <translation>{a} imported; {d} duplicates (imported before); {r} not imported.</translation>
    </message>
    <message>
        <source>该文件此前已导入完毕。</source>
        <translation>This file was already imported completely.</translation>
    </message>
    <message>
        <source>从第 {n} 行之后继续导入。</source>
        <translation>Import resumed after line {n}.</translation>
    </message>
    <message>
        <source>文件：</source>
        <translation>File: </translation>
    </message>
    <message>
        <source>交易号</source>
        <translation>Transaction no.</translation>
    </message>
    <message>
        <source>会员号</source>
        <translation>Member number</translation>
    </message>
    <message>
        <source>交易时间</source>
        <translation>Time</translation>
    </message>
    <message>
        <source>金额</source>
        <translation>Amount</translation>
    </message>
    <message>
        <source>商品类别</source>
        <translation>Product category</translation>
    </message>
    <message>
        <source>支付方式</source>
        <translation>Payment method</translation>
    </message>
    <message>
        <source>支付流水号</source>
        <translation>Payment reference</translation>
    </message>
    <message>
        <source>优惠券</source>
        <translation>Coupon</translation>
    </message>
    <message>
        <source>第 {n} 行：</source>
        <translation>Line {n}: </translation>
    </message>
    <message>
        <source>（列：{c}）</source>
        <translation>(column: {c})</translation>
    </message>
    <message>
        <source>……另有 {n} 行未列出</source>
        <translation>… {n} more lines not listed</translation>
    </message>
    <message>
        <source>关闭</source>
        <translation>Close</translation>
    </message>
</context>
<context>
    <name>LegalHoldDialog</name>
    <message>
        <source>设立法律保全</source>
        <translation>Set legal hold</translation>
    </message>
    <message>
        <source>会员（含其全部记录）</source>
        <translation>Member (with all their records)</translation>
    </message>
    <message>
        <source>一条消费记录</source>
        <translation>One purchase</translation>
    </message>
    <message>
        <source>一条服务记录</source>
        <translation>One service record</translation>
    </message>
    <message>
        <source>会员号 / 交易号 / 服务记录编号</source>
        <translation>Member number / transaction no. / service record no.</translation>
    </message>
    <message>
        <source>例如 (2026)沪0101民初123号</source>
        <translation>e.g. the court case number</translation>
    </message>
    <message>
        <source>保全对象</source>
        <translation>Held item</translation>
    </message>
    <message>
        <source>编号</source>
        <translation>Number</translation>
    </message>
    <message>
        <source>案件或纠纷编号</source>
        <translation>Case or dispute number</translation>
    </message>
    <message>
        <source>保全期间，该会员或记录即使超过保存期限也不会被清理。纠纷结束后请及时解除。</source>
        <translation>While held, the member or record is never swept, even past its retention period. Release the hold when the dispute ends.</translation>
    </message>
    <message>
        <source>设立保全</source>
        <translation>Set hold</translation>
    </message>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>锁定</source>
        <translation>Lock</translation>
    </message>
    <message>
        <source>切换用户</source>
        <translation>Switch user</translation>
    </message>
    <message>
        <source>锁定并让另一位员工登录</source>
        <translation>Lock, so another member of staff can sign in</translation>
    </message>
    <message>
        <source>门店：</source>
        <translation>Store: </translation>
    </message>
    <message>
        <source>终端：</source>
        <translation>Terminal: </translation>
    </message>
    <message>
        <source>店长</source>
        <translation>Store manager</translation>
    </message>
    <message>
        <source>店员</source>
        <translation>Clerk</translation>
    </message>
    <message>
        <source>当前员工：</source>
        <translation>Signed in: </translation>
    </message>
    <message>
        <source>同步：未配置总部</source>
        <translation>Sync: head office not configured</translation>
    </message>
    <message>
        <source>同步：状态未知</source>
        <translation>Sync: status unknown</translation>
    </message>
    <message>
        <source>同步：需要完整重新同步</source>
        <translation>Sync: full resync needed</translation>
    </message>
    <message>
        <source>从未</source>
        <translation>never</translation>
    </message>
    <message>
        <source>同步：上次成功 </source>
        <translation>Sync: last success </translation>
    </message>
    <message>
        <source>，待上传 </source>
        <translation>, waiting to upload </translation>
    </message>
    <message>
        <source>（总部暂时无法连接，离线工作中）</source>
        <translation> (head office unreachable: working offline)</translation>
    </message>
</context>
<context>
    <name>ManagerSignInDialog</name>
    <message>
        <source>店长确认</source>
        <translation>Store manager confirmation</translation>
    </message>
    <message>
        <source>此操作需要店长本人登录确认。</source>
        <translation>A store manager must sign in personally to confirm this step.</translation>
    </message>
    <message>
        <source>用户名</source>
        <translation>User name</translation>
    </message>
    <message>
        <source>密码</source>
        <translation>Password</translation>
    </message>
    <message>
        <source>确认</source>
        <translation>Confirm</translation>
    </message>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>监销人必须是另一位员工。</source>
        <translation>The witness must be another staff member.</translation>
    </message>
</context>
<context>
    <name>MemberActivity</name>
    <message>
        <source>消费记录</source>
        <translation>Purchases</translation>
    </message>
    <message>
        <source>服务记录</source>
        <translation>Service records</translation>
    </message>
    <message>
        <source>向第三方提供记录</source>
        <translation>Disclosures to third parties</translation>
    </message>
</context>
<context>
    <name>MemberDetailDialog</name>
    <message>
        <source>会员详情</source>
        <translation>Member details</translation>
    </message>
    <message>
        <source>姓名</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>手机号</source>
        <translation>Mobile</translation>
    </message>
    <message>
        <source>出生日期</source>
        <translation>Birth date</translation>
    </message>
    <message>
        <source>收货地址</source>
        <translation>Delivery address</translation>
    </message>
    <message>
        <source>身份证号</source>
        <translation>ID number</translation>
    </message>
    <message>
        <source>人脸特征码</source>
        <translation>Face feature code</translation>
    </message>
    <message>
        <source>皮肤状况</source>
        <translation>Skin condition</translation>
    </message>
    <message>
        <source>基本信息</source>
        <translation>Profile</translation>
    </message>
    <message>
        <source>处理目的</source>
        <translation>Purpose</translation>
    </message>
    <message>
        <source>状态</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>操作</source>
        <translation>Action</translation>
    </message>
    <message>
        <source>同意记录</source>
        <translation>Consent records</translation>
    </message>
    <message>
        <source>时间</source>
        <translation>Time</translation>
    </message>
    <message>
        <source>类型</source>
        <translation>Type</translation>
    </message>
    <message>
        <source>告知书版本</source>
        <translation>Notice version</translation>
    </message>
    <message>
        <source>方式</source>
        <translation>Method</translation>
    </message>
    <message>
        <source>经办人</source>
        <translation>Staff</translation>
    </message>
    <message>
        <source>内容</source>
        <translation>Content</translation>
    </message>
    <message>
        <source>同意与撤回</source>
        <translation>Consent and withdrawal</translation>
    </message>
    <message>
        <source>扫描件</source>
        <translation>Scans</translation>
    </message>
    <message>
        <source>个人信息权利申请</source>
        <translation>Data-subject requests</translation>
    </message>
    <message>
        <source>更正信息</source>
        <translation>Correct</translation>
    </message>
    <message>
        <source>重新确认同意</source>
        <translation>Confirm consent again</translation>
    </message>
    <message>
        <source>查看完整信息（店长）</source>
        <translation>Reveal (manager)</translation>
    </message>
    <message>
        <source>关闭</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>正常</source>
        <translation>Active</translation>
    </message>
    <message>
        <source>已注销</source>
        <translation>Cancelled</translation>
    </message>
    <message>
        <source>会员号</source>
        <translation>Member number</translation>
    </message>
    <message>
        <source>未填写</source>
        <translation>Not given</translation>
    </message>
    <message>
        <source>登记时间</source>
        <translation>Registered</translation>
    </message>
    <message>
        <source>限制处理</source>
        <translation>Restricted</translation>
    </message>
    <message>
        <source>已在门店 {s} 更正，需要时请向顾客确认</source>
        <translation>Corrected at store {s}: ask the customer when it is needed</translation>
    </message>
    <message>
        <source>告知书已更新：请顾客阅读新版本并重新确认同意，更改的处理在重新同意前不适用于该会员。</source>
        <translation>The notice has changed: ask the customer to read the new version and confirm consent again. The changed processing does not apply to this member until then.</translation>
    </message>
    <message>
        <source>该会员登记时不满十四周岁，由监护人同意。</source>
        <translation>This member was under 14 at registration; a guardian consented.</translation>
    </message>
    <message>
        <source>其他门店的同意（引用）</source>
        <translation>Consent at another store (by reference)</translation>
    </message>
    <message>
        <source>门店 {s} · 记录 {r}</source>
        <translation>Store {s} · record {r}</translation>
    </message>
    <message>
        <source>确认撤回“{p}”的同意？撤回后立即停止该项处理。</source>
        <translation>Withdraw consent to “{p}”? The processing stops at once.</translation>
    </message>
    <message>
        <source>查看完整信息需要店长本人登录，并登记查看原因。</source>
        <translation>Revealing full information needs the store manager&apos;s own sign-in and a recorded reason.</translation>
    </message>
    <message>
        <source>纸质登记表的扫描件在“扫描件”页面查看。</source>
        <translation>Scans of paper registration forms are on the Scans page.</translation>
    </message>
    <message>
        <source>查阅、复制、更正、删除等申请在“个人信息权利申请”页面办理。</source>
        <translation>Requests to see, copy, correct or delete data are handled on the Data-subject requests page.</translation>
    </message>
    <message>
        <source>扫描件与申请</source>
        <translation>Scans and requests</translation>
    </message>
    <message>
        <source>已同意</source>
        <translation>Consented</translation>
    </message>
    <message>
        <source>未同意</source>
        <translation>Refused</translation>
    </message>
    <message>
        <source>未选择</source>
        <translation>Not decided</translation>
    </message>
    <message>
        <source>必需</source>
        <translation>required</translation>
    </message>
    <message>
        <source>撤回同意</source>
        <translation>Withdraw consent</translation>
    </message>
    <message>
        <source>登记</source>
        <translation>Registration</translation>
    </message>
    <message>
        <source>同意</source>
        <translation>Consent</translation>
    </message>
    <message>
        <source>重新同意</source>
        <translation>Re-consent</translation>
    </message>
    <message>
        <source>屏幕勾选</source>
        <translation>On-screen checkbox</translation>
    </message>
    <message>
        <source>签名</source>
        <translation>Signature</translation>
    </message>
    <message>
        <source>纸质表单</source>
        <translation>Paper form</translation>
    </message>
    <message>
        <source>服务台</source>
        <translation>Service desk</translation>
    </message>
    <message>
        <source>该项的信息将立即删除。</source>
        <translation> The information collected for it is deleted at once.</translation>
    </message>
</context>
<context>
    <name>MembersPage</name>
    <message>
        <source>手机号 / 手机尾号 4 位 / 会员号 / 姓名，或扫描会员卡</source>
        <translation>Mobile / last 4 digits / member number / name, or scan the member card</translation>
    </message>
    <message>
        <source>查找会员</source>
        <translation>Find a member</translation>
    </message>
    <message>
        <source>查找</source>
        <translation>Find</translation>
    </message>
    <message>
        <source>登记会员</source>
        <translation>Register member</translation>
    </message>
    <message>
        <source>会员号</source>
        <translation>Member number</translation>
    </message>
    <message>
        <source>姓名</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>手机号</source>
        <translation>Mobile</translation>
    </message>
    <message>
        <source>状态</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>登记日期</source>
        <translation>Registered on</translation>
    </message>
    <message>
        <source>正常</source>
        <translation>Active</translation>
    </message>
    <message>
        <source>已注销</source>
        <translation>Cancelled</translation>
    </message>
    <message>
        <source>已删除</source>
        <translation>Deleted</translation>
    </message>
    <message>
        <source>限制处理</source>
        <translation>Restricted</translation>
    </message>
    <message>
        <source>需重新同意</source>
        <translation>Re-consent needed</translation>
    </message>
    <message>
        <source>请输入手机号、手机尾号 4 位、会员号或姓名。</source>
        <translation>Enter a mobile, its last 4 digits, a member number or a name.</translation>
    </message>
    <message>
        <source>没有找到会员。可以点击“登记会员”为顾客办理。</source>
        <translation>No member found. Click “Register member” to register the customer.</translation>
    </message>
    <message>
        <source>，结果较多，请输入更完整的信息</source>
        <translation>; many results, type more to narrow them</translation>
    </message>
    <message>
        <source>找到 {n} 位会员</source>
        <translation>{n} members found</translation>
    </message>
    <message>
        <source>向总部查询</source>
        <translation>Ask head office</translation>
    </message>
    <message>
        <source>顾客可能在其他门店登记过：按手机号向总部查询（顾客须在场）</source>
        <translation>The customer may be registered at another store: look the mobile up at head office (customer present)</translation>
    </message>
    <message>
        <source>本店没有该手机号的会员。顾客可能在其他门店登记过：可以“向总部查询”，或点击“登记会员”。</source>
        <translation>No member with this mobile at this store. The customer may be registered at another store: click &quot;Ask head office&quot;, or &quot;Register member&quot;.</translation>
    </message>
    <message>
        <source>正在向总部查询…</source>
        <translation>Asking head office…</translation>
    </message>
    <message>
        <source>总部也没有该手机号的会员。可以点击“登记会员”为顾客办理。</source>
        <translation>Head office has no member with this mobile either. Click &quot;Register member&quot; to register the customer.</translation>
    </message>
    <message>
        <source>请与顾客核对姓名和会员号。</source>
        <translation>Check the name and member number with the customer.</translation>
    </message>
    <message>
        <source>已在本店接收该会员。</source>
        <translation>The member is now served at this store.</translation>
    </message>
</context>
<context>
    <name>NewRequestDialog</name>
    <message>
        <source>新建个人信息权利申请</source>
        <translation>New data-subject request</translation>
    </message>
    <message>
        <source>查阅</source>
        <translation>See</translation>
    </message>
    <message>
        <source>复制（纸质件及机器可读文件）</source>
        <translation>Copy (on paper and as a machine-readable file)</translation>
    </message>
    <message>
        <source>转移（提供给顾客指定的其他处理者的副本）</source>
        <translation>Transfer (a copy for another processor the customer names)</translation>
    </message>
    <message>
        <source>解释说明（个人信息处理规则）</source>
        <translation>Explain (the processing rules)</translation>
    </message>
    <message>
        <source>更正、补充</source>
        <translation>Correct</translation>
    </message>
    <message>
        <source>限制处理</source>
        <translation>Restrict processing</translation>
    </message>
    <message>
        <source>撤回同意</source>
        <translation>Withdraw consent</translation>
    </message>
    <message>
        <source>注销会员</source>
        <translation>Cancel membership</translation>
    </message>
    <message>
        <source>删除（须店长办理）</source>
        <translation>Delete (store manager only)</translation>
    </message>
    <message>
        <source>申请事项</source>
        <translation>Request</translation>
    </message>
    <message>
        <source>门店服务台</source>
        <translation>Service desk</translation>
    </message>
    <message>
        <source>客服热线</source>
        <translation>Hotline</translation>
    </message>
    <message>
        <source>线上客服</source>
        <translation>Online service</translation>
    </message>
    <message>
        <source>收到日期</source>
        <translation>Received on</translation>
    </message>
    <message>
        <source>申请渠道</source>
        <translation>Channel</translation>
    </message>
    <message>
        <source>手机号、手机号后4位、会员号或姓名</source>
        <translation>Mobile, last 4 digits of the mobile, member number or name</translation>
    </message>
    <message>
        <source>查找会员</source>
        <translation>Find member</translation>
    </message>
    <message>
        <source>未找到该顾客（申请人不是本店会员）</source>
        <translation>Customer not found (the applicant is not a member of this store)</translation>
    </message>
    <message>
        <source>本店查不到，顾客可能是其他门店的会员：先受理，再向总部查询</source>
        <translation>Not found here, may be a member of another store: take the request now, look it up at head office</translation>
    </message>
    <message>
        <source>顾客姓名</source>
        <translation>Customer&apos;s name</translation>
    </message>
    <message>
        <source>顾客手机号（11位）</source>
        <translation>Customer&apos;s mobile (11 digits)</translation>
    </message>
    <message>
        <source>会员</source>
        <translation>Member</translation>
    </message>
    <message>
        <source>查验身份证件（只核对，不记录号码）</source>
        <translation>ID card sighted (checked, number not recorded)</translation>
    </message>
    <message>
        <source>向登记手机号发送验证码并核对</source>
        <translation>Code sent to the registered mobile and checked</translation>
    </message>
    <message>
        <source>以上两项</source>
        <translation>Both</translation>
    </message>
    <message>
        <source>身份证号码只用于当面核对，本系统不保存。</source>
        <translation>The ID number is only checked in person; MemberDesk does not store it.</translation>
    </message>
    <message>
        <source>没有找到会员。如申请人确实不是会员，请勾选“未找到该顾客”。</source>
        <translation>No member found. If the applicant really is not a member, tick &quot;Customer not found&quot;.</translation>
    </message>
    <message>
        <source>身份核验</source>
        <translation>Identity check</translation>
    </message>
    <message>
        <source>受理</source>
        <translation>Accept</translation>
    </message>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>(已注销)</source>
        <translation>(cancelled)</translation>
    </message>
</context>
<context>
    <name>NoticeView</name>
    <message>
        <source>办理会员所必需</source>
        <translation>Required for membership</translation>
    </message>
    <message>
        <source>可选</source>
        <translation>Optional</translation>
    </message>
    <message>
        <source>敏感个人信息，需单独同意</source>
        <translation>Sensitive personal information: separate consent</translation>
    </message>
    <message>
        <source>个人信息处理者</source>
        <translation>Controller</translation>
    </message>
    <message>
        <source>保存期限</source>
        <translation>Retention period</translation>
    </message>
    <message>
        <source>保护措施</source>
        <translation>Protection</translation>
    </message>
    <message>
        <source>信息类型</source>
        <translation>Data types</translation>
    </message>
    <message>
        <source>处理方式</source>
        <translation>Method</translation>
    </message>
    <message>
        <source>如何行使</source>
        <translation>How to exercise them</translation>
    </message>
    <message>
        <source>必要性</source>
        <translation>Necessity</translation>
    </message>
    <message>
        <source>您的权利</source>
        <translation>Your rights</translation>
    </message>
    <message>
        <source>接收方</source>
        <translation>Recipients</translation>
    </message>
    <message>
        <source>校验码</source>
        <translation>hash</translation>
    </message>
    <message>
        <source>版本</source>
        <translation>Version</translation>
    </message>
    <message>
        <source>生效日期</source>
        <translation>Effective</translation>
    </message>
    <message>
        <source>联系方式</source>
        <translation>Contact</translation>
    </message>
</context>
<context>
    <name>NoticesPage</name>
    <message>
        <source>顾客信息处理告知书：已发布的版本</source>
        <translation>Customer information processing notice: published versions</translation>
    </message>
    <message>
        <source>导入新版本…</source>
        <translation>Import new version…</translation>
    </message>
    <message>
        <source>已发布的版本不能修改，永久保存并附校验码。新版本改变处理目的、信息类型、保存期限或接收方时，已同意旧版本的会员在下次到店时须重新确认同意。</source>
        <translation>Published versions cannot change; they are kept forever with their hash. When a new version changes purposes, data types, retention periods or recipients, members who agreed to an earlier version confirm consent again at their next visit.</translation>
    </message>
    <message>
        <source>版本</source>
        <translation>Version</translation>
    </message>
    <message>
        <source>生效日期</source>
        <translation>Effective</translation>
    </message>
    <message>
        <source>来源</source>
        <translation>Source</translation>
    </message>
    <message>
        <source>发布时间</source>
        <translation>Published</translation>
    </message>
    <message>
        <source>校验码（中文版）</source>
        <translation>Hash (Chinese text)</translation>
    </message>
    <message>
        <source>随软件提供</source>
        <translation>Shipped with the software</translation>
    </message>
    <message>
        <source>店长导入</source>
        <translation>Imported by a manager</translation>
    </message>
    <message>
        <source>总部</source>
        <translation>Head office</translation>
    </message>
    <message>
        <source>选择告知书文件（中文版和英文版）</source>
        <translation>Choose the notice files (Chinese and English)</translation>
    </message>
    <message>
        <source>告知书 (*.json)</source>
        <translation>Notices (*.json)</translation>
    </message>
    <message>
        <source>发布新版本告知书需要店长本人登录。</source>
        <translation>Publishing a new notice version needs the store manager&apos;s own sign-in.</translation>
    </message>
    <message>
        <source>已发布告知书版本 {v}。需重新确认同意的会员：{n} 位。</source>
        <translation>Notice version {v} published. Members who must confirm consent again: {n}.</translation>
    </message>
    <message>
        <source>该版本已发布，内容相同，无需重复导入。</source>
        <translation>This version is already published with the same text; nothing to import.</translation>
    </message>
    <message>
        <source>告知书</source>
        <translation>Notice</translation>
    </message>
</context>
<context>
    <name>OriginalsPage</name>
    <message>
        <source>纸质原件登记簿</source>
        <translation>Paper originals register</translation>
    </message>
    <message>
        <source>纸质原件扫描归档后存放在带锁文件柜中，须在扫描后 30 个工作日内销毁。</source>
        <translation>After scanning, paper originals are kept in the locked file cabinet and must be destroyed within 30 working days of the scan.</translation>
    </message>
    <message>
        <source>在柜</source>
        <translation>In cabinet</translation>
    </message>
    <message>
        <source>借出</source>
        <translation>Lent out</translation>
    </message>
    <message>
        <source>已逾期</source>
        <translation>Overdue</translation>
    </message>
    <message>
        <source>3 个工作日内到期</source>
        <translation>Due within 3 working days</translation>
    </message>
    <message>
        <source>本周到期</source>
        <translation>Due this week</translation>
    </message>
    <message>
        <source>已销毁</source>
        <translation>Destroyed</translation>
    </message>
    <message>
        <source>原件登记簿</source>
        <translation>Register of originals</translation>
    </message>
    <message>
        <source>未销毁</source>
        <translation>Not destroyed</translation>
    </message>
    <message>
        <source>全部</source>
        <translation>All</translation>
    </message>
    <message>
        <source>按表单编号查找</source>
        <translation>Find by form serial</translation>
    </message>
    <message>
        <source>导入节假日表…</source>
        <translation>Import holiday table…</translation>
    </message>
    <message>
        <source>销毁记录…</source>
        <translation>Destruction records…</translation>
    </message>
    <message>
        <source>表单编号</source>
        <translation>Form serial</translation>
    </message>
    <message>
        <source>扫描时间</source>
        <translation>Scanned</translation>
    </message>
    <message>
        <source>销毁截止日</source>
        <translation>Destroy by</translation>
    </message>
    <message>
        <source>剩余工作日</source>
        <translation>Working days left</translation>
    </message>
    <message>
        <source>文件柜</source>
        <translation>Cabinet</translation>
    </message>
    <message>
        <source>保管人</source>
        <translation>Custodian</translation>
    </message>
    <message>
        <source>状态</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>例如 柜A-1</source>
        <translation>e.g. Cabinet A-1</translation>
    </message>
    <message>
        <source>保存存放位置</source>
        <translation>Save location</translation>
    </message>
    <message>
        <source>带锁文件柜</source>
        <translation>Locked file cabinet</translation>
    </message>
    <message>
        <source>借出原因</source>
        <translation>Reason for lending</translation>
    </message>
    <message>
        <source>归还入柜</source>
        <translation>Returned to cabinet</translation>
    </message>
    <message>
        <source>归还日期</source>
        <translation>Return date</translation>
    </message>
    <message>
        <source>查看扫描件</source>
        <translation>View scan</translation>
    </message>
    <message>
        <source>选中已到期和即将到期的原件</source>
        <translation>Select originals due now or soon</translation>
    </message>
    <message>
        <source>销毁选中的原件…</source>
        <translation>Destroy selected originals…</translation>
    </message>
    <message>
        <source>{years} 年的节假日安排尚未导入，标 * 的截止日期按保守方法计算（可能早于实际截止日）。请店长导入节假日表。</source>
        <translation>The holiday table for {years} is not imported: deadlines marked * are computed conservatively (they may be earlier than the real deadline, never later). The store manager should import the holiday table.</translation>
    </message>
    <message>
        <source>（逾期未还，应于 {d} 归还）</source>
        <translation> (overdue: was due back on {d})</translation>
    </message>
    <message>
        <source>（应于 {d} 归还）</source>
        <translation> (due back on {d})</translation>
    </message>
    <message>
        <source>逾期 {n} 个工作日</source>
        <translation>{n} working days overdue</translation>
    </message>
    <message>
        <source>销毁需要店长登录确认。</source>
        <translation>Destruction needs the store manager&apos;s sign-in.</translation>
    </message>
    <message>
        <source>待扫描的登记表（%1）</source>
        <translation>Forms to scan (%1)</translation>
    </message>
    <message>
        <source>扫描件</source>
        <translation>Scan</translation>
    </message>
    <message>
        <source>销毁纸质原件需要店长登录确认。</source>
        <translation>Destroying paper originals needs the store manager&apos;s sign-in.</translation>
    </message>
    <message>
        <source>销毁记录</source>
        <translation>Destruction records</translation>
    </message>
    <message>
        <source>还没有销毁记录。</source>
        <translation>No destruction records yet.</translation>
    </message>
    <message>
        <source>份</source>
        <translation> forms</translation>
    </message>
    <message>
        <source>选择批次</source>
        <translation>Choose a batch</translation>
    </message>
    <message>
        <source>保存销毁记录</source>
        <translation>Save destruction record</translation>
    </message>
    <message>
        <source>无法保存文件，请换一个位置。</source>
        <translation>The file could not be saved; choose another location.</translation>
    </message>
    <message>
        <source>导入节假日表需要店长登录确认。</source>
        <translation>Importing a holiday table needs the store manager&apos;s sign-in.</translation>
    </message>
    <message>
        <source>选择节假日表</source>
        <translation>Choose a holiday table</translation>
    </message>
    <message>
        <source>节假日表</source>
        <translation>Holiday table</translation>
    </message>
    <message>
        <source>已导入 {year} 年节假日表，{n} 份原件的截止日期已重新计算。</source>
        <translation>Holiday table for {year} imported; the deadlines of {n} originals were recalculated.</translation>
    </message>
</context>
<context>
    <name>PaperConsentPanel</name>
    <message>
        <source>按登记表照录：表上勾选的项目才勾选，没有勾选的即为不同意。</source>
        <translation>Copy the ticks exactly as on the form: tick only what is ticked there; a purpose not ticked on the form is refused.</translation>
    </message>
    <message>
        <source>办理会员所必需</source>
        <translation>Required for membership</translation>
    </message>
    <message>
        <source>可选</source>
        <translation>Optional</translation>
    </message>
    <message>
        <source>敏感个人信息，需单独签名</source>
        <translation>Sensitive personal information: separate signature</translation>
    </message>
    <message>
        <source>顾客已在登记表上为本项单独签名</source>
        <translation>The customer signed separately for this purpose on the form</translation>
    </message>
</context>
<context>
    <name>PaperFormStep</name>
    <message>
        <source>表单编号</source>
        <translation>Form serial</translation>
    </message>
    <message>
        <source>扫描二维码，或输入编号，例如 %1</source>
        <translation>Scan the QR code or type the serial, e.g. %1</translation>
    </message>
    <message>
        <source>表单编号印在登记表每一页右上角的二维码下方。扫码枪扫描二维码后会自动输入编号并回车。</source>
        <translation>The form serial is printed under the QR code at the top right of every page of the registration form. The barcode scanner types it and presses Enter for you.</translation>
    </message>
    <message>
        <source>顾客手上还没有登记表？打印一份空白登记表，请顾客填写并签名。</source>
        <translation>The customer has no registration form yet? Print a blank one for them to fill in and sign.</translation>
    </message>
    <message>
        <source>打印空白登记表…</source>
        <translation>Print a blank form…</translation>
    </message>
</context>
<context>
    <name>PaperRegistration</name>
    <message>
        <source>顾客在屏幕上阅读并勾选</source>
        <translation>Customer reads and ticks on screen</translation>
    </message>
    <message>
        <source>顾客填写纸质登记表</source>
        <translation>Customer fills in a paper form</translation>
    </message>
    <message>
        <source>顾客已在纸质登记表上签字</source>
        <translation>The customer signed the paper registration form</translation>
    </message>
    <message>
        <source>已扫描纸质登记表，改为纸质登记：请按表上的勾选照录（屏幕上的勾选不再使用），已录入的信息保留。</source>
        <translation>A paper registration form was scanned, so this is now a paper registration: copy the ticks from the form (the ticks on screen are no longer used); the details already typed are kept.</translation>
    </message>
    <message>
        <source>按登记表上印的告知书登记：版本 %1（校验码 %2）。</source>
        <translation>Registered under the notice printed on the form: version %1 (checksum %2).</translation>
    </message>
    <message>
        <source>该登记表印的是旧版告知书（%1），现行版本是 %2；顾客下次到店时，需就变更的处理目的重新确认同意。</source>
        <translation>This form carries an older notice (%1); the notice in effect is %2. At the next visit the customer is asked to consent again to the purposes that changed.</translation>
    </message>
    <message>
        <source>空白会员登记表</source>
        <translation>Blank registration form</translation>
    </message>
    <message>
        <source>确认登记</source>
        <translation>Register</translation>
    </message>
    <message>
        <source>确认</source>
        <translation>Confirm</translation>
    </message>
    <message>
        <source>下一步</source>
        <translation>Next</translation>
    </message>
    <message>
        <source>第 1 步：登记表编号</source>
        <translation>Step 1: form serial</translation>
    </message>
    <message>
        <source>请顾客在印有现行告知书的新登记表上重新逐项勾选并签名，已登记的姓名、手机号不必重填。拿到签好的登记表后，扫描右上角的二维码，或输入二维码下方的编号后按回车键。</source>
        <translation>Ask the customer to tick each purpose again and sign on a new form printed with the notice in effect; the name and mobile already registered need not be filled in again. When you have the signed form, scan the QR code at the top right, or type the serial printed under it and press Enter.</translation>
    </message>
    <message>
        <source>请顾客在纸质登记表上逐项勾选、填写并签名。拿到签好的登记表后，扫描右上角的二维码，或输入二维码下方的编号后按回车键。</source>
        <translation>The customer ticks each purpose on the paper form, fills it in and signs it. Once you have the signed form, scan the QR code at its top right, or type the serial printed under it and press Enter.</translation>
    </message>
    <message>
        <source>第 2 步：照录勾选</source>
        <translation>Step 2: copy the ticks</translation>
    </message>
    <message>
        <source>表单 %1。敏感个人信息各项，还须核对顾客在该项旁的单独签名。</source>
        <translation>Form %1. For each sensitive purpose, also check the customer&apos;s separate signature beside it.</translation>
    </message>
    <message>
        <source>第 3 步：录入信息</source>
        <translation>Step 3: enter details</translation>
    </message>
    <message>
        <source>按登记表录入。只录入顾客已同意的处理目的所需的信息。</source>
        <translation>Enter what is on the form: only the information needed for the purposes the customer agreed to.</translation>
    </message>
    <message>
        <source>监护人已在登记表上签名，并代为作出上述同意</source>
        <translation>The guardian signed the form and gives the consent above</translation>
    </message>
    <message>
        <source>第 4 步：核对并确认</source>
        <translation>Step 4: review and confirm</translation>
    </message>
    <message>
        <source>请与纸质登记表逐项核对，并确认顾客已在表上签字。确认后保存本次同意记录。</source>
        <translation>Check every item against the paper form and confirm that the customer signed it. Confirming saves this consent record.</translation>
    </message>
    <message>
        <source>请与纸质登记表逐项核对，并确认顾客已在表上签字。确认后一次性保存会员和同意记录。</source>
        <translation>Check everything against the paper form and confirm that the customer signed it. Confirming saves the member and the consent record together.</translation>
    </message>
    <message>
        <source>登记表上单独签名的项目</source>
        <translation>Signed separately on the form</translation>
    </message>
    <message>
        <source>登记表编号</source>
        <translation>Form serial</translation>
    </message>
</context>
<context>
    <name>PosImport</name>
    <message>
        <source>导入收银系统文件</source>
        <translation>Import a POS file</translation>
    </message>
    <message>
        <source>收银导出文件 (*.csv *.json *.jsonl *.txt)</source>
        <translation>POS export files (*.csv *.json *.jsonl *.txt)</translation>
    </message>
</context>
<context>
    <name>PosImportPanel</name>
    <message>
        <source>文件 {name} 未能导入：{reason}。</source>
        <translation>File {name} was not imported: {reason}.</translation>
    </message>
    <message>
        <source>尚未导入过收银数据。</source>
        <translation>No POS data has been imported yet.</translation>
    </message>
    <message>
        <source>上次导入：{when}，导入 {a} 条，未导入 {r} 条。</source>
        <translation>Last import: {when}, {a} imported, {r} not imported.</translation>
    </message>
    <message>
        <source>收银数据：导入有问题，请看首页</source>
        <translation>POS data: import problem, see Home</translation>
    </message>
    <message>
        <source>收银数据：尚未导入</source>
        <translation>POS data: nothing imported yet</translation>
    </message>
    <message>
        <source>收银数据：{when} 导入 {a} 条</source>
        <translation>POS data: {a} imported at {when}</translation>
    </message>
    <message>
        <source>，未导入 {r} 条</source>
        <translation>, {r} not imported</translation>
    </message>
    <message>
        <source>收银数据</source>
        <translation>POS data</translation>
    </message>
    <message>
        <source>导入收银数据…</source>
        <translation>Import POS data…</translation>
    </message>
    <message>
        <source>导入收银系统导出的交易记录文件</source>
        <translation>Import a transactions file exported by the POS</translation>
    </message>
    <message>
        <source>导入时间</source>
        <translation>Time</translation>
    </message>
    <message>
        <source>文件</source>
        <translation>File</translation>
    </message>
    <message>
        <source>已导入</source>
        <translation>Imported</translation>
    </message>
    <message>
        <source>重复</source>
        <translation>Duplicates</translation>
    </message>
    <message>
        <source>未导入</source>
        <translation>Not imported</translation>
    </message>
    <message>
        <source>状态</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>查看未导入的行…</source>
        <translation>Show lines not imported…</translation>
    </message>
    <message>
        <source>每 {m} 分钟自动导入收银系统导出文件夹中的新文件：</source>
        <translation>New files in the POS export folder are imported every {m} minutes: </translation>
    </message>
    <message>
        <source>未设置收银系统导出文件夹：收银数据需手动导入（店长可在“设置”中设置文件夹）。</source>
        <translation>No POS export folder is set: import POS data by hand (a store manager can set the folder in Settings).</translation>
    </message>
    <message>
        <source>完成</source>
        <translation>Done</translation>
    </message>
    <message>
        <source>未完成</source>
        <translation>Not finished</translation>
    </message>
</context>
<context>
    <name>PrintDocumentsPage</name>
    <message>
        <source>打印资料</source>
        <translation>Print documents</translation>
    </message>
    <message>
        <source>告知书版本</source>
        <translation>Notice version</translation>
    </message>
    <message>
        <source>服务台海报</source>
        <translation>Service-desk poster</translation>
    </message>
    <message>
        <source>预览并打印</source>
        <translation>Preview and print</translation>
    </message>
    <message>
        <source>A4，两张并排张贴；字号适合一米外阅读。</source>
        <translation>A4, two sheets side by side; type readable from one metre.</translation>
    </message>
    <message>
        <source>会员登记表</source>
        <translation>Member registration form</translation>
    </message>
    <message>
        <source>生成并打印</source>
        <translation>Generate and print</translation>
    </message>
    <message>
        <source> 份</source>
        <translation> forms</translation>
    </message>
    <message>
        <source>小票背面告知</source>
        <translation>Receipt-back notice</translation>
    </message>
    <message>
        <source>A4 双面；每份表单带唯一编号和二维码，打印时记录在系统中。</source>
        <translation>A4 double-sided; each form has a unique serial and QR code, recorded when printed.</translation>
    </message>
    <message>
        <source>80 毫米热敏小票纸，打印宽度 72 毫米。要点版列明每项处理目的和顾客权利，并指向服务台公示的全文。</source>
        <translation>80 mm thermal receipt paper, 72 mm printed. The summary lists every purpose and the customer&apos;s rights and points to the full text on the service-desk poster.</translation>
    </message>
    <message>
        <source>要点版（默认，适合顾客留存）</source>
        <translation>Summary (default, a receipt customers keep)</translation>
    </message>
    <message>
        <source>完整版（告知书全文，较长）</source>
        <translation>Full text (the whole notice, longer)</translation>
    </message>
    <message>
        <source>最近发放的登记表</source>
        <translation>Recently issued forms</translation>
    </message>
    <message>
        <source>表单编号</source>
        <translation>Form serial</translation>
    </message>
    <message>
        <source>发放时间</source>
        <translation>Issued</translation>
    </message>
    <message>
        <source>打印次数</source>
        <translation>Times printed</translation>
    </message>
    <message>
        <source>已登记会员</source>
        <translation>Member registered</translation>
    </message>
    <message>
        <source>%1（%2 起施行）</source>
        <translation>%1 (in force from %2)</translation>
    </message>
    <message>
        <source> · 当前</source>
        <translation> · current</translation>
    </message>
    <message>
        <source>设置中指定的字体文件无法使用，已改用系统字体 %1。</source>
        <translation>The font file set in the settings cannot be used; the system font %1 is used instead.</translation>
    </message>
    <message>
        <source>打印字体：%1（已嵌入）</source>
        <translation>Print font: %1 (embedded)</translation>
    </message>
    <message>
        <source>未打印</source>
        <translation>Not printed</translation>
    </message>
    <message>
        <source>是</source>
        <translation>Yes</translation>
    </message>
    <message>
        <source>否</source>
        <translation>No</translation>
    </message>
</context>
<context>
    <name>PrintPreviewDialog</name>
    <message>
        <source>打印预览</source>
        <translation>Print preview</translation>
    </message>
    <message>
        <source>缩放</source>
        <translation>Zoom</translation>
    </message>
    <message>
        <source>另存为 PDF…</source>
        <translation>Save as PDF…</translation>
    </message>
    <message>
        <source>打印…</source>
        <translation>Print…</translation>
    </message>
    <message>
        <source>关闭</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>无法显示此文档。</source>
        <translation>This document cannot be shown.</translation>
    </message>
    <message>
        <source>共 %1 页</source>
        <translation>%1 pages</translation>
    </message>
    <message>
        <source>打印</source>
        <translation>Print</translation>
    </message>
    <message>
        <source>另存为 PDF</source>
        <translation>Save as PDF</translation>
    </message>
    <message>
        <source>此文档包含顾客的个人信息。保存的 PDF 文件不加密，请只保存到安全的位置，用完后及时删除。是否继续？</source>
        <translation>This document contains the customer&apos;s personal information. The saved PDF is not encrypted: save it only to a safe place and delete it when done. Continue?</translation>
    </message>
    <message>
        <source>文件无法保存，请检查位置和磁盘空间。</source>
        <translation>The file could not be saved. Check the location and the free disk space.</translation>
    </message>
    <message>
        <source>PDF 文件 (*.pdf)</source>
        <translation>PDF files (*.pdf)</translation>
    </message>
    <message>
        <source>未完成</source>
        <translation>Not completed</translation>
    </message>
</context>
<context>
    <name>PurchasesTab</name>
    <message>
        <source>交易时间</source>
        <translation>Time</translation>
    </message>
    <message>
        <source>金额</source>
        <translation>Amount</translation>
    </message>
    <message>
        <source>商品类别</source>
        <translation>Product category</translation>
    </message>
    <message>
        <source>支付方式</source>
        <translation>Payment method</translation>
    </message>
    <message>
        <source>交易号</source>
        <translation>Transaction no.</translation>
    </message>
    <message>
        <source>优惠券</source>
        <translation>Coupon</translation>
    </message>
    <message>
        <source>来源</source>
        <translation>Source</translation>
    </message>
    <message>
        <source>录入消费记录…</source>
        <translation>Record a purchase…</translation>
    </message>
    <message>
        <source>身份证号业务办结…</source>
        <translation>ID number no longer needed…</translation>
    </message>
    <message>
        <source>收银导入</source>
        <translation>POS import</translation>
    </message>
    <message>
        <source>柜台录入</source>
        <translation>Keyed at the counter</translation>
    </message>
    <message>
        <source>身份证号已于 {d} 业务办结并脱敏显示；原始号码{state}。</source>
        <translation>The business needing the ID number ended on {d}; it is shown masked and the full number {state}.</translation>
    </message>
    <message>
        <source>分期等业务已办结，身份证号将立即脱敏显示，原始号码在 30 天内删除。是否继续？</source>
        <translation>The instalment (or other) business has ended: the ID number is masked at once and the full number deleted within 30 days. Continue?</translation>
    </message>
    <message>
        <source>已删除</source>
        <translation>was deleted</translation>
    </message>
    <message>
        <source>将在 30 天内删除</source>
        <translation>will be deleted within 30 days</translation>
    </message>
    <message>
        <source>身份证号业务办结</source>
        <translation>ID number no longer needed</translation>
    </message>
</context>
<context>
    <name>RecordPurchaseDialog</name>
    <message>
        <source>录入消费记录</source>
        <translation>Record a purchase</translation>
    </message>
    <message>
        <source>例如 128.50</source>
        <translation>e.g. 128.50</translation>
    </message>
    <message>
        <source>例如 服装、家电</source>
        <translation>e.g. clothing, appliances</translation>
    </message>
    <message>
        <source>微信支付</source>
        <translation>WeChat Pay</translation>
    </message>
    <message>
        <source>支付宝</source>
        <translation>Alipay</translation>
    </message>
    <message>
        <source>银联刷卡</source>
        <translation>UnionPay card</translation>
    </message>
    <message>
        <source>现金</source>
        <translation>Cash</translation>
    </message>
    <message>
        <source>储值卡</source>
        <translation>Stored-value card</translation>
    </message>
    <message>
        <source>其他</source>
        <translation>Other</translation>
    </message>
    <message>
        <source>小票上的交易号（可不填）</source>
        <translation>Transaction number on the receipt (optional)</translation>
    </message>
    <message>
        <source>支付机构交易流水号，不要填写银行卡号</source>
        <translation>The payment provider&apos;s transaction reference; never a bank card number</translation>
    </message>
    <message>
        <source>使用的优惠券编号（可不填）</source>
        <translation>Coupon number used (optional)</translation>
    </message>
    <message>
        <source>金额（元）</source>
        <translation>Amount (yuan)</translation>
    </message>
    <message>
        <source>交易时间</source>
        <translation>Time</translation>
    </message>
    <message>
        <source>商品类别</source>
        <translation>Product category</translation>
    </message>
    <message>
        <source>支付方式</source>
        <translation>Payment method</translation>
    </message>
    <message>
        <source>交易号</source>
        <translation>Transaction no.</translation>
    </message>
    <message>
        <source>支付流水号</source>
        <translation>Payment reference</translation>
    </message>
    <message>
        <source>优惠券</source>
        <translation>Coupon</translation>
    </message>
    <message>
        <source>本系统不保存银行卡号等支付信息，只保存支付机构的交易流水号。</source>
        <translation>MemberDesk never stores bank card numbers or other payment details, only the payment provider&apos;s transaction reference.</translation>
    </message>
    <message>
        <source>保存</source>
        <translation>Save</translation>
    </message>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
</context>
<context>
    <name>RecoveryResetDialog</name>
    <message>
        <source>使用恢复密钥重设密码</source>
        <translation>Reset a password with the recovery key</translation>
    </message>
    <message>
        <source>请输入设置时打印的恢复密钥（52 个字符，可含短横线），以及要重设密码的用户名。</source>
        <translation>Enter the recovery key printed at set-up (52 characters, hyphens allowed) and the user name whose password is reset.</translation>
    </message>
    <message>
        <source>恢复密钥</source>
        <translation>Recovery key</translation>
    </message>
    <message>
        <source>用户名</source>
        <translation>User name</translation>
    </message>
    <message>
        <source>新密码</source>
        <translation>New password</translation>
    </message>
    <message>
        <source>重设并登录</source>
        <translation>Reset and sign in</translation>
    </message>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
</context>
<context>
    <name>RegisterMemberDialog</name>
    <message>
        <source>重新确认同意</source>
        <translation>Confirm consent again</translation>
    </message>
    <message>
        <source>登记会员</source>
        <translation>Register member</translation>
    </message>
    <message>
        <source>姓名</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>手机号</source>
        <translation>Mobile</translation>
    </message>
    <message>
        <source>出生日期</source>
        <translation>Birth date</translation>
    </message>
    <message>
        <source>收货地址</source>
        <translation>Delivery address</translation>
    </message>
    <message>
        <source>身份证号</source>
        <translation>ID number</translation>
    </message>
    <message>
        <source>人脸特征码</source>
        <translation>Face feature code</translation>
    </message>
    <message>
        <source>皮肤状况</source>
        <translation>Skin condition</translation>
    </message>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>上一步</source>
        <translation>Back</translation>
    </message>
    <message>
        <source>下一步</source>
        <translation>Next</translation>
    </message>
    <message>
        <source>11 位手机号</source>
        <translation>11-digit mobile number</translation>
    </message>
    <message>
        <source>由人脸支付终端生成，不保存照片</source>
        <translation>Produced by the face-payment terminal; no photo is kept</translation>
    </message>
    <message>
        <source>例如：混合性皮肤，轻度敏感</source>
        <translation>e.g. combination skin, slightly sensitive</translation>
    </message>
    <message>
        <source>监护人已阅读告知书，并代为作出上述同意</source>
        <translation>The guardian has read the notice and gives the consent above</translation>
    </message>
    <message>
        <source>是，未满14周岁</source>
        <translation>Yes, under 14</translation>
    </message>
    <message>
        <source>否，已满14周岁</source>
        <translation>No, 14 or older</translation>
    </message>
    <message>
        <source>顾客是否未满14周岁</source>
        <translation>Is the customer under 14?</translation>
    </message>
    <message>
        <source>监护人已单独同意“%s”</source>
        <translation>The guardian separately consents to “%s”</translation>
    </message>
    <message>
        <source>请将屏幕转向顾客，由顾客本人阅读和选择。</source>
        <translation>Turn the screen to the customer: the customer reads and chooses.</translation>
    </message>
    <message>
        <source>第 1 步：告知书</source>
        <translation>Step 1: notice</translation>
    </message>
    <message>
        <source>第 2 步：逐项同意</source>
        <translation>Step 2: consent per purpose</translation>
    </message>
    <message>
        <source>第 3 步：敏感个人信息单独同意</source>
        <translation>Step 3: separate consent for sensitive information</translation>
    </message>
    <message>
        <source>第 4 步：录入信息</source>
        <translation>Step 4: enter details</translation>
    </message>
    <message>
        <source>第 5 步：核对并确认</source>
        <translation>Step 5: review and confirm</translation>
    </message>
    <message>
        <source>不会重复登记。请返回修改手机号，或打开已有会员。</source>
        <translation>No second member is created. Go back to change the mobile, or open the existing member.</translation>
    </message>
    <message>
        <source>省市区及详细地址</source>
        <translation>Province, city, district and street address</translation>
    </message>
    <message>
        <source>可不填，例如 2010-05-31 或 2010/5/31</source>
        <translation>Optional, e.g. 2010-05-31 or 2010/5/31</translation>
    </message>
    <message>
        <source>18 位身份证号</source>
        <translation>18-character ID number</translation>
    </message>
    <message>
        <source>请选择</source>
        <translation>Choose</translation>
    </message>
    <message>
        <source>父亲</source>
        <translation>Father</translation>
    </message>
    <message>
        <source>母亲</source>
        <translation>Mother</translation>
    </message>
    <message>
        <source>其他监护人</source>
        <translation>Other guardian</translation>
    </message>
    <message>
        <source>监护人姓名</source>
        <translation>Guardian&apos;s name</translation>
    </message>
    <message>
        <source>与顾客关系</source>
        <translation>Relation to the customer</translation>
    </message>
    <message>
        <source>确认</source>
        <translation>Confirm</translation>
    </message>
    <message>
        <source>确认登记</source>
        <translation>Register</translation>
    </message>
    <message>
        <source>顾客正在客显屏上操作。</source>
        <translation>The customer is using the customer display.</translation>
    </message>
    <message>
        <source> 只有“办理会员”一项是必需的。</source>
        <translation> Only “membership” is required.</translation>
    </message>
    <message>
        <source>只录入顾客已同意的处理目的所需的信息。</source>
        <translation>Enter only what the purposes the customer agreed to need.</translation>
    </message>
    <message>
        <source>请与顾客核对。确认后一次性保存会员和同意记录。</source>
        <translation>Check with the customer. Confirming saves the member and the consent record together.</translation>
    </message>
    <message>
        <source>该手机号已是会员</source>
        <translation>This mobile already belongs to a member</translation>
    </message>
    <message>
        <source>该手机号已是会员。</source>
        <translation>This mobile already belongs to a member.</translation>
    </message>
    <message>
        <source>打开该会员</source>
        <translation>Open member</translation>
    </message>
    <message>
        <source>不同意</source>
        <translation>Refused</translation>
    </message>
    <message>
        <source>不满十四周岁，已由监护人同意</source>
        <translation>Under 14: the guardian consented</translation>
    </message>
    <message>
        <source>会员号</source>
        <translation>Member number</translation>
    </message>
    <message>
        <source>同意</source>
        <translation>Consent</translation>
    </message>
    <message>
        <source>告知书版本</source>
        <translation>Notice version</translation>
    </message>
    <message>
        <source>已签名的单独同意</source>
        <translation>Signed separate consent</translation>
    </message>
    <message>
        <source>无</source>
        <translation>None</translation>
    </message>
    <message>
        <source>校验码</source>
        <translation>hash</translation>
    </message>
</context>
<context>
    <name>RequestDetail</name>
    <message>
        <source>请在左侧选择一件申请</source>
        <translation>Select a request on the left</translation>
    </message>
    <message>
        <source>申请事项</source>
        <translation>Request</translation>
    </message>
    <message>
        <source>会员号</source>
        <translation>Member number</translation>
    </message>
    <message>
        <source>状态</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>身份核验</source>
        <translation>Identity check</translation>
    </message>
    <message>
        <source>受理时间</source>
        <translation>Received</translation>
    </message>
    <message>
        <source>答复期限</source>
        <translation>Due date</translation>
    </message>
    <message>
        <source>处理结果</source>
        <translation>Outcome</translation>
    </message>
    <message>
        <source>各门店确认</source>
        <translation>Stores confirmed</translation>
    </message>
    <message>
        <source>办理过程</source>
        <translation>History</translation>
    </message>
    <message>
        <source>时间</source>
        <translation>Time</translation>
    </message>
    <message>
        <source>经办人</source>
        <translation>Handled by</translation>
    </message>
    <message>
        <source>步骤</source>
        <translation>Step</translation>
    </message>
    <message>
        <source>说明</source>
        <translation>Note</translation>
    </message>
    <message>
        <source>办理</source>
        <translation>Handle</translation>
    </message>
    <message>
        <source>暂停</source>
        <translation>Pause</translation>
    </message>
    <message>
        <source>恢复处理</source>
        <translation>Resume</translation>
    </message>
    <message>
        <source>延长期限</source>
        <translation>Extend the deadline</translation>
    </message>
    <message>
        <source>拒绝</source>
        <translation>Refuse</translation>
    </message>
    <message>
        <source>按未找到办结</source>
        <translation>Close as not found</translation>
    </message>
    <message>
        <source>打印受理回执</source>
        <translation>Print acknowledgement receipt</translation>
    </message>
    <message>
        <source>打印处理结果告知书</source>
        <translation>Print result letter</translation>
    </message>
    <message>
        <source>打印延期答复告知书</source>
        <translation>Print extension letter</translation>
    </message>
    <message>
        <source>申请 </source>
        <translation>Request </translation>
    </message>
    <message>
        <source>(个人信息已删除)</source>
        <translation>(personal information deleted)</translation>
    </message>
    <message>
        <source>(已限制处理，仅店长可见)</source>
        <translation>(processing restricted: store manager only)</translation>
    </message>
    <message>
        <source>已办理</source>
        <translation>Done</translation>
    </message>
    <message>
        <source>未找到该顾客</source>
        <translation>Customer not found</translation>
    </message>
    <message>
        <source>不予办理</source>
        <translation>Refused</translation>
    </message>
    <message>
        <source>此前已删除</source>
        <translation>Deleted earlier</translation>
    </message>
    <message>
        <source>(法律依据：</source>
        <translation>(legal basis: </translation>
    </message>
    <message>
        <source>（尚无门店确认）</source>
        <translation>(no store has confirmed yet)</translation>
    </message>
    <message>
        <source>延期答复告知书</source>
        <translation>Extension letter</translation>
    </message>
    <message numerus="yes">
        <source>延长 %n 个工作日：</source>
        <translation>
            <numerusform>Extended by %n working day: </numerusform>
            <numerusform>Extended by %n working days: </numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>暂停 %n 个工作日，期限顺延至 </source>
        <translation>
            <numerusform>Paused for %n working day, due date moved to </numerusform>
            <numerusform>Paused for %n working days, due date moved to </numerusform>
        </translation>
    </message>
    <message>
        <source>办理：</source>
        <translation>Handle: </translation>
    </message>
    <message>
        <source>限制处理后，该会员的信息仅予保存：店员无法查到，不再用于营销及其他用途，直至解除。确定吗？</source>
        <translation>Once processing is restricted, the member&apos;s information is only stored: clerks cannot find it and it is not used for marketing or anything else until released. Continue?</translation>
    </message>
    <message>
        <source>注销后会员资格终止，会员信息自今日起保存三年后删除。确定注销吗？</source>
        <translation>Cancelling ends the membership; the member&apos;s information is kept for three years from today and then deleted. Cancel the membership?</translation>
    </message>
    <message>
        <source>将删除该顾客的全部个人信息（基本信息、敏感信息、同意凭证、签名、扫描件），不可恢复；购买记录按税务规定保存但不再关联本人。确定删除吗？</source>
        <translation>All of this customer&apos;s personal information (profile, sensitive information, consent evidence, signatures, scans) will be deleted for good; purchases are kept as tax rules require but no longer linked to the person. Delete?</translation>
    </message>
    <message>
        <source>  · 已限制处理</source>
        <translation>  · processing restricted</translation>
    </message>
    <message>
        <source>已办结</source>
        <translation>Closed</translation>
    </message>
    <message>
        <source>已超期</source>
        <translation>Overdue</translation>
    </message>
    <message>
        <source>今天到期</source>
        <translation>Due today</translation>
    </message>
    <message>
        <source>未找到该顾客（非会员）</source>
        <translation>Customer not found (not a member)</translation>
    </message>
    <message>
        <source>尚未核验</source>
        <translation>Not yet checked</translation>
    </message>
    <message numerus="yes">
        <source>  已延长 %n 个工作日</source>
        <translation>
            <numerusform>  extended by %n working day</numerusform>
            <numerusform>  extended by %n working days</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 年的节假日安排尚未导入：答复期限按保守方法计算（法定节假日前后两周内的周末也算工作日），不会晚于实际期限，最多可能早 13 天。</source>
        <translation>No holiday table for %1: the due date is computed conservatively (weekends within two weeks of a public holiday count as working days); it is never later than the real one and at most 13 days earlier.</translation>
    </message>
    <message>
        <source>受理回执</source>
        <translation>Acknowledgement receipt</translation>
    </message>
    <message>
        <source>处理结果告知书</source>
        <translation>Result letter</translation>
    </message>
    <message>
        <source>未找到该顾客的个人信息</source>
        <translation>No personal information about this customer was found</translation>
    </message>
    <message>
        <source>该会员此前已删除</source>
        <translation>This member was deleted before</translation>
    </message>
    <message>
        <source>已删除个人信息（购买记录保留并断开关联）</source>
        <translation>Personal information deleted (purchases kept, no longer linked)</translation>
    </message>
    <message>
        <source>已更正：</source>
        <translation>Corrected: </translation>
    </message>
    <message>
        <source>已撤回同意：</source>
        <translation>Consent withdrawn: </translation>
    </message>
    <message>
        <source>已限制处理</source>
        <translation>Processing restricted</translation>
    </message>
    <message>
        <source>会员已注销，保存期限自今日起算</source>
        <translation>Membership cancelled; the retention period runs from today</translation>
    </message>
    <message numerus="yes">
        <source>已提供副本，共 %n 条记录</source>
        <translation>
            <numerusform>Copy provided: %n record</numerusform>
            <numerusform>Copy provided: %n records</numerusform>
        </translation>
    </message>
    <message>
        <source>核验身份</source>
        <translation>Check identity</translation>
    </message>
    <message>
        <source>核验方式</source>
        <translation>Identity check</translation>
    </message>
    <message>
        <source>延长答复期限</source>
        <translation>Extend the due date</translation>
    </message>
    <message>
        <source>拒绝申请</source>
        <translation>Refuse</translation>
    </message>
    <message>
        <source>解除限制处理</source>
        <translation>Release restriction</translation>
    </message>
    <message>
        <source>已超期 %1 个工作日</source>
        <translation>%1 overdue</translation>
    </message>
    <message>
        <source>剩 %1 个工作日</source>
        <translation>%1 left</translation>
    </message>
    <message>
        <source>个人信息处理规则解释说明</source>
        <translation>Explanation of the processing rules</translation>
    </message>
    <message>
        <source>限制处理</source>
        <translation>Restrict processing</translation>
    </message>
    <message>
        <source>注销会员</source>
        <translation>Cancel membership</translation>
    </message>
    <message>
        <source>删除个人信息</source>
        <translation>Delete personal information</translation>
    </message>
    <message>
        <source>提供个人信息副本</source>
        <translation>Provide a copy</translation>
    </message>
    <message>
        <source>选择顾客的存储介质（U盘）保存机器可读文件</source>
        <translation>Choose the customer&apos;s storage (USB stick) for the machine-readable file</translation>
    </message>
    <message>
        <source>个人信息副本</source>
        <translation>Copy of personal information</translation>
    </message>
    <message>
        <source>受理回执已在小票打印机上打印。</source>
        <translation>The acknowledgement receipt was printed on the receipt printer.</translation>
    </message>
</context>
<context>
    <name>RequestStepDialog</name>
    <message>
        <source> 个工作日</source>
        <translation> working days</translation>
    </message>
    <message>
        <source>延长</source>
        <translation>Extend</translation>
    </message>
    <message>
        <source>拒绝理由</source>
        <translation>Refusal reason</translation>
    </message>
    <message>
        <source>理由</source>
        <translation>Reason</translation>
    </message>
    <message>
        <source>法律依据</source>
        <translation>Legal basis</translation>
    </message>
    <message>
        <source>不更改请留空</source>
        <translation>Leave empty to keep</translation>
    </message>
    <message>
        <source>该会员没有可撤回的同意。</source>
        <translation>This member has no consent to withdraw.</translation>
    </message>
    <message>
        <source>例如：《个人信息保护法》第四十七条</source>
        <translation>e.g. Personal Information Protection Law, Article 47</translation>
    </message>
    <message>
        <source>暂停处理</source>
        <translation>Pause</translation>
    </message>
    <message>
        <source>顾客已答复</source>
        <translation>The customer answered</translation>
    </message>
    <message>
        <source>延长期限</source>
        <translation>Extend the deadline</translation>
    </message>
    <message>
        <source>拒绝申请</source>
        <translation>Refuse the request</translation>
    </message>
    <message>
        <source>更正、补充</source>
        <translation>Correct</translation>
    </message>
    <message>
        <source>撤回同意</source>
        <translation>Withdraw consent</translation>
    </message>
    <message>
        <source>申请人姓名</source>
        <translation>Applicant&apos;s name</translation>
    </message>
    <message>
        <source>等待</source>
        <translation>Waiting for</translation>
    </message>
    <message>
        <source>顾客答复</source>
        <translation>Customer&apos;s answer</translation>
    </message>
    <message>
        <source>处理结果告知书将告知顾客：可以向履行个人信息保护职责的部门投诉、举报，或者向人民法院提起诉讼。</source>
        <translation>The result letter tells the customer that they may complain to the authority responsible for personal-information protection, or sue in court.</translation>
    </message>
    <message>
        <source>姓名</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>手机号</source>
        <translation>Mobile</translation>
    </message>
    <message>
        <source>出生日期（YYYY-MM-DD）</source>
        <translation>Date of birth (YYYY-MM-DD)</translation>
    </message>
    <message>
        <source>收货地址</source>
        <translation>Delivery address</translation>
    </message>
    <message>
        <source>留空则打印空白横线，由申请人手写</source>
        <translation>Leave empty to print a blank line for the applicant to write on</translation>
    </message>
    <message>
        <source>申请人</source>
        <translation>Applicant</translation>
    </message>
    <message>
        <source>确定</source>
        <translation>OK</translation>
    </message>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>请填写理由。</source>
        <translation>Enter a reason.</translation>
    </message>
    <message>
        <source>拒绝申请必须填写法律依据。</source>
        <translation>A refusal needs its legal basis.</translation>
    </message>
    <message>
        <source>请填写要更正的内容。</source>
        <translation>Enter what is to be corrected.</translation>
    </message>
    <message>
        <source>请选择要撤回同意的处理目的。</source>
        <translation>Choose the purposes whose consent is withdrawn.</translation>
    </message>
</context>
<context>
    <name>RequestUnknown</name>
    <message>
        <source>向总部查询</source>
        <translation>Ask head office</translation>
    </message>
    <message>
        <source>确认并接收会员</source>
        <translation>Confirm and take on the member</translation>
    </message>
    <message>
        <source>关联本店会员</source>
        <translation>Link to the member held here</translation>
    </message>
    <message>
        <source>告知无会员并办结</source>
        <translation>No member: tell the customer and close</translation>
    </message>
    <message>
        <source>本店无此顾客</source>
        <translation>Customer not held here</translation>
    </message>
    <message>
        <source>登记门店 </source>
        <translation>registered at </translation>
    </message>
    <message>
        <source>查询结果：</source>
        <translation>Lookup: </translation>
    </message>
    <message>
        <source>（请与顾客核对）</source>
        <translation>(check with the customer)</translation>
    </message>
    <message>
        <source>请与顾客核对：会员号 {no}，姓名 {name}。确认后本店接收该会员，申请即为该会员办理。</source>
        <translation>Check with the customer: member number {no}, name {name}. Once confirmed, this store takes the member on and the request is handled for that member.</translation>
    </message>
    <message>
        <source>总部和本店均没有该顾客的会员信息。确认按“未找到该顾客”办结？</source>
        <translation>Neither head office nor this store holds a member for this customer. Close the request as &quot;customer not found&quot;?</translation>
    </message>
</context>
<context>
    <name>RequestsPage</name>
    <message>
        <source>个人信息权利申请</source>
        <translation>Requests</translation>
    </message>
    <message>
        <source>新建申请</source>
        <translation>New request</translation>
    </message>
    <message>
        <source>全部事项</source>
        <translation>All requests</translation>
    </message>
    <message>
        <source>全部状态</source>
        <translation>All statuses</translation>
    </message>
    <message>
        <source>未办结</source>
        <translation>Open</translation>
    </message>
    <message>
        <source>已超期</source>
        <translation>Overdue</translation>
    </message>
    <message>
        <source>3个工作日内到期</source>
        <translation>Due within 3 working days</translation>
    </message>
    <message>
        <source>已办结</source>
        <translation>Closed</translation>
    </message>
    <message>
        <source>全部</source>
        <translation>All</translation>
    </message>
    <message>
        <source>事项</source>
        <translation>Request</translation>
    </message>
    <message>
        <source>状态</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>期限</source>
        <translation>Due</translation>
    </message>
    <message>
        <source>受理编号</source>
        <translation>Request no.</translation>
    </message>
    <message>
        <source>申请事项</source>
        <translation>Request</translation>
    </message>
    <message>
        <source>会员号</source>
        <translation>Member number</translation>
    </message>
    <message>
        <source>答复期限</source>
        <translation>Due date</translation>
    </message>
    <message>
        <source>倒计时</source>
        <translation>Days left</translation>
    </message>
    <message>
        <source>未办结 %1 件</source>
        <translation>%1 open</translation>
    </message>
    <message>
        <source>已超期 %1 件</source>
        <translation>%1 overdue</translation>
    </message>
    <message>
        <source>3个工作日内到期 %1 件</source>
        <translation>%1 due within 3 working days</translation>
    </message>
    <message>
        <source>当前列表 %1 件</source>
        <translation>%1 listed</translation>
    </message>
    <message>
        <source>* 缺少节假日表，期限按保守方法计算（可能偏早） %1 件</source>
        <translation>* No holiday table, due date computed conservatively (possibly early): %1</translation>
    </message>
    <message>
        <source>未找到该顾客</source>
        <translation>Customer not found</translation>
    </message>
    <message>
        <source>已删除</source>
        <translation>Deleted</translation>
    </message>
    <message>
        <source>(仅店长可见)</source>
        <translation>(store manager only)</translation>
    </message>
</context>
<context>
    <name>RetentionPage</name>
    <message>
        <source>保存期限与清理</source>
        <translation>Retention and sweep</translation>
    </message>
    <message>
        <source>类别</source>
        <translation>Category</translation>
    </message>
    <message>
        <source>规则</source>
        <translation>Rules</translation>
    </message>
    <message>
        <source>起算事件</source>
        <translation>Counted from</translation>
    </message>
    <message>
        <source>保存期限</source>
        <translation>Retention period</translation>
    </message>
    <message>
        <source>到期处理</source>
        <translation>When due</translation>
    </message>
    <message>
        <source>来源</source>
        <translation>Source</translation>
    </message>
    <message>
        <source>试运行与清理</source>
        <translation>Dry run and sweep</translation>
    </message>
    <message>
        <source>超过保存期限的个人信息每天自动清理。清理前可先试运行查看数量；处于法律保全中的会员或记录不会被清理。</source>
        <translation>Personal information past its retention period is swept automatically every day. A dry run shows the counts first; members or records under legal hold are never swept.</translation>
    </message>
    <message>
        <source>保存期限规则（由总部统一制定，门店只读）</source>
        <translation>Retention rules (set by head office; read-only in the store)</translation>
    </message>
    <message>
        <source>试运行（只统计，不删除）</source>
        <translation>Dry run (count only, delete nothing)</translation>
    </message>
    <message>
        <source>立即清理…</source>
        <translation>Sweep now…</translation>
    </message>
    <message>
        <source>保存清理报告（CSV）…</source>
        <translation>Save sweep report (CSV)…</translation>
    </message>
    <message>
        <source>保存清理报告（PDF）…</source>
        <translation>Save sweep report (PDF)…</translation>
    </message>
    <message>
        <source>截止日期</source>
        <translation>Cut-off date</translation>
    </message>
    <message>
        <source>到期</source>
        <translation>Due</translation>
    </message>
    <message>
        <source>法律保全</source>
        <translation>Legal hold</translation>
    </message>
    <message>
        <source>已清理</source>
        <translation>Swept</translation>
    </message>
    <message>
        <source>最早日期</source>
        <translation>Oldest date</translation>
    </message>
    <message>
        <source>对象</source>
        <translation>Item</translation>
    </message>
    <message>
        <source>编号</source>
        <translation>Number</translation>
    </message>
    <message>
        <source>案件或纠纷编号</source>
        <translation>Case or dispute number</translation>
    </message>
    <message>
        <source>设立时间</source>
        <translation>Set on</translation>
    </message>
    <message>
        <source>设立法律保全…</source>
        <translation>Set legal hold…</translation>
    </message>
    <message>
        <source>解除选中的保全</source>
        <translation>Release selected hold</translation>
    </message>
    <message>
        <source>导入收银系统文件…</source>
        <translation>Import POS file…</translation>
    </message>
    <message>
        <source>交易完成</source>
        <translation>Transaction completed</translation>
    </message>
    <message>
        <source>注销或最后一次消费（较晚者）</source>
        <translation>Cancellation or last purchase (whichever is later)</translation>
    </message>
    <message>
        <source>服务结束</source>
        <translation>Service ended</translation>
    </message>
    <message>
        <source>业务办结</source>
        <translation>Business completed</translation>
    </message>
    <message>
        <source>天</source>
        <translation>days</translation>
    </message>
    <message>
        <source>个月</source>
        <translation>months</translation>
    </message>
    <message>
        <source>年</source>
        <translation>years</translation>
    </message>
    <message>
        <source>删除</source>
        <translation>Delete</translation>
    </message>
    <message>
        <source>试运行(截至 {d}):共 {n} 条已到保存期限，尚未删除。</source>
        <translation>Dry run (as of {d}): {n} records are past their retention period; nothing was deleted.</translation>
    </message>
    <message>
        <source>身份证号：{o} 个已超过最长保存期限（{d} 天）待打码，{s} 个将在两周内到期，本次已打码 {m} 个。</source>
        <translation>ID numbers: {o} past the longest keeping period ({d} days) wait to be masked, {s} reach it within two weeks, {m} masked by this run.</translation>
    </message>
    <message>
        <source>扫描件：未涂黑原页 {u} 页、暂存表格页 {h} 页加密保存，最早删除日期 {n}。</source>
        <translation>Scans: {u} unredacted page(s) and {h} held form page(s) kept encrypted; the first is deleted on {n}.</translation>
    </message>
    <message>
        <source>将永久删除所有已超过保存期限的记录（法律保全中的除外），删除后无法恢复。是否继续？</source>
        <translation>Every record past its retention period (except those under legal hold) will be deleted for good. Continue?</translation>
    </message>
    <message>
        <source>报告未能保存，请选择其他位置。</source>
        <translation>The report could not be saved; choose another location.</translation>
    </message>
    <message>
        <source>解除后，已超过保存期限的记录会在下次清理时删除。是否解除？</source>
        <translation>Once released, records past their retention period are deleted at the next sweep. Release?</translation>
    </message>
    <message>
        <source>匿名化</source>
        <translation>Anonymise</translation>
    </message>
    <message>
        <source>脱敏显示，原始号码删除</source>
        <translation>Mask; delete the full number</translation>
    </message>
    <message>
        <source>公司政策默认</source>
        <translation>Company policy default</translation>
    </message>
    <message>
        <source>总部下发</source>
        <translation>From head office</translation>
    </message>
    <message>
        <source>消费记录</source>
        <translation>Purchases</translation>
    </message>
    <message>
        <source>会员信息</source>
        <translation>Member information</translation>
    </message>
    <message>
        <source>客户服务记录</source>
        <translation>Customer-service records</translation>
    </message>
    <message>
        <source>身份证号</source>
        <translation>ID numbers</translation>
    </message>
    <message>
        <source>会员</source>
        <translation>Member</translation>
    </message>
    <message>
        <source>服务记录</source>
        <translation>Service record</translation>
    </message>
    <message>
        <source>定时自动</source>
        <translation>Scheduled</translation>
    </message>
    <message>
        <source>管理命令</source>
        <translation>Admin command</translation>
    </message>
    <message>
        <source>店长手动</source>
        <translation>By the store manager</translation>
    </message>
    <message>
        <source>上次清理：{when}({how})，共清理 {n} 条。</source>
        <translation>Last sweep: {when} ({how}), {n} records swept.</translation>
    </message>
    <message>
        <source>尚未执行过清理。</source>
        <translation>No sweep has run yet.</translation>
    </message>
    <message>
        <source>试运行(截至 {d}):没有到期的记录。</source>
        <translation>Dry run (as of {d}): no records are due.</translation>
    </message>
    <message>
        <source>清理完成(截至 {d}):共清理 {n} 条。</source>
        <translation>Sweep finished (as of {d}): {n} records swept.</translation>
    </message>
    <message>
        <source>试运行保存期限清理</source>
        <translation>Retention dry run</translation>
    </message>
    <message>
        <source>执行保存期限清理</source>
        <translation>Run the retention sweep</translation>
    </message>
    <message>
        <source>立即清理</source>
        <translation>Sweep now</translation>
    </message>
    <message>
        <source>CSV 文件 (*.csv)</source>
        <translation>CSV files (*.csv)</translation>
    </message>
    <message>
        <source>PDF 文件 (*.pdf)</source>
        <translation>PDF files (*.pdf)</translation>
    </message>
    <message>
        <source>保存清理报告</source>
        <translation>Save sweep report</translation>
    </message>
    <message>
        <source>清理报告已保存。</source>
        <translation>Sweep report saved.</translation>
    </message>
    <message>
        <source>设立法律保全</source>
        <translation>Set legal hold</translation>
    </message>
    <message>
        <source>解除法律保全</source>
        <translation>Release legal hold</translation>
    </message>
</context>
<context>
    <name>RevealDialog</name>
    <message>
        <source>查看敏感信息需要店长本人输入密码。</source>
        <translation>Showing sensitive information needs a store manager&apos;s own password.</translation>
    </message>
    <message>
        <source>查看完整信息</source>
        <translation>Reveal full information</translation>
    </message>
    <message>
        <source>顾客本人要求核对</source>
        <translation>Customer asked to check</translation>
    </message>
    <message>
        <source>办理金融业务核验</source>
        <translation>Verification for a finance service</translation>
    </message>
    <message>
        <source>更正信息核对</source>
        <translation>Checking a correction</translation>
    </message>
    <message>
        <source>依法配合调查</source>
        <translation>Lawful investigation</translation>
    </message>
    <message>
        <source>其他</source>
        <translation>Other</translation>
    </message>
    <message>
        <source>说明（至少 4 个字）</source>
        <translation>Note (at least 4 characters)</translation>
    </message>
    <message>
        <source>查看项目</source>
        <translation>Field</translation>
    </message>
    <message>
        <source>查看原因</source>
        <translation>Reason</translation>
    </message>
    <message>
        <source>说明</source>
        <translation>Note</translation>
    </message>
    <message>
        <source>查看</source>
        <translation>Reveal</translation>
    </message>
    <message>
        <source>关闭</source>
        <translation>Close</translation>
    </message>
</context>
<context>
    <name>ScanHeldPanel</name>
    <message>
        <source>未归档（待店长处理）</source>
        <translation>Not archived (for a manager)</translation>
    </message>
    <message>
        <source>类别</source>
        <translation>Kind</translation>
    </message>
    <message>
        <source>时间</source>
        <translation>Time</translation>
    </message>
    <message>
        <source>原因</source>
        <translation>Reason</translation>
    </message>
    <message>
        <source>删除期限</source>
        <translation>Delete by</translation>
    </message>
    <message>
        <source>查看列表（店长）</source>
        <translation>Show the list (manager)</translation>
    </message>
    <message>
        <source>查看原页</source>
        <translation>View the page</translation>
    </message>
    <message>
        <source>继续保留</source>
        <translation>Keep held</translation>
    </message>
    <message>
        <source>导出文件…</source>
        <translation>Export file…</translation>
    </message>
    <message>
        <source>丢弃</source>
        <translation>Discard</translation>
    </message>
    <message>
        <source>该页未识别到二维码，无法定位身份证号方格</source>
        <translation>No QR code on this page; the ID-number boxes cannot be located</translation>
    </message>
    <message>
        <source>无法确定二维码位置</source>
        <translation>Cannot find the QR code&apos;s position</translation>
    </message>
    <message>
        <source>二维码变形，无法定位</source>
        <translation>QR code distorted; cannot locate the page</translation>
    </message>
    <message>
        <source>与打印的表格不符（复印件、折叠或裁切）</source>
        <translation>Does not match the printed form (a copy, folded or cropped)</translation>
    </message>
    <message>
        <source>身份证号方格不在二维码所示位置（内容错位或其他表格）</source>
        <translation>The ID-number boxes are not where the QR code places them (content shifted, or another form)</translation>
    </message>
    <message>
        <source>分辨率异常</source>
        <translation>Unusual resolution</translation>
    </message>
    <message>
        <source>无法定位</source>
        <translation>Cannot locate the page</translation>
    </message>
    <message>
        <source>表格所印告知书版本未保存</source>
        <translation>The notice version printed on the form is not stored</translation>
    </message>
    <message>
        <source>无法涂黑而暂存的表格页 {h} 页；未能导入、已加密隔离的文件 {q} 个。</source>
        <translation>{h} form page(s) held because they could not be redacted; {q} refused file(s) in the encrypted quarantine.</translation>
    </message>
    <message>
        <source>查看未归档的扫描件需要店长确认。</source>
        <translation>Viewing scans that were not archived needs a manager.</translation>
    </message>
    <message>
        <source>暂存表格页</source>
        <translation>Held form page</translation>
    </message>
    <message>
        <source>隔离文件</source>
        <translation>Quarantined file</translation>
    </message>
    <message>
        <source>查看暂存的原页需要店长输入本人密码确认。</source>
        <translation>Looking at a held page needs a store manager to confirm with their own password.</translation>
    </message>
    <message>
        <source>导出隔离文件</source>
        <translation>Export quarantined file</translation>
    </message>
    <message>
        <source>导出隔离文件需要店长输入本人密码确认。</source>
        <translation>Exporting a quarantined file needs a store manager to confirm with their own password.</translation>
    </message>
    <message>
        <source>无法写入所选位置。</source>
        <translation>Cannot write to the chosen place.</translation>
    </message>
    <message>
        <source>确定删除吗？删除后无法恢复。</source>
        <translation>Delete it? This cannot be undone.</translation>
    </message>
</context>
<context>
    <name>ScanRevealBar</name>
    <message>
        <source>争议核对</source>
        <translation>Checking a dispute</translation>
    </message>
    <message>
        <source>核验身份</source>
        <translation>Verifying identity</translation>
    </message>
    <message>
        <source>顾客本人要求</source>
        <translation>The customer&apos;s own request</translation>
    </message>
    <message>
        <source>有权机关依法调取</source>
        <translation>Requested by an authority under the law</translation>
    </message>
    <message>
        <source>查看未涂黑原页（店长）</source>
        <translation>Show unredacted page (manager)</translation>
    </message>
    <message>
        <source>恢复涂黑页</source>
        <translation>Back to redacted page</translation>
    </message>
    <message>
        <source>查看原因</source>
        <translation>Reason</translation>
    </message>
    <message>
        <source>查看未涂黑的原页需要店长输入本人密码确认。</source>
        <translation>Showing the unredacted page needs a store manager to confirm with their own password.</translation>
    </message>
</context>
<context>
    <name>ScanViewer</name>
    <message>
        <source>上一页</source>
        <translation>Previous page</translation>
    </message>
    <message>
        <source>下一页</source>
        <translation>Next page</translation>
    </message>
    <message>
        <source>缩小</source>
        <translation>Zoom out</translation>
    </message>
    <message>
        <source>放大</source>
        <translation>Zoom in</translation>
    </message>
    <message>
        <source>适合窗口</source>
        <translation>Fit to window</translation>
    </message>
    <message>
        <source>向左旋转</source>
        <translation>Rotate left</translation>
    </message>
    <message>
        <source>向右旋转</source>
        <translation>Rotate right</translation>
    </message>
    <message>
        <source>选择一份扫描件即可在此查看</source>
        <translation>Select a scan to view it here</translation>
    </message>
</context>
<context>
    <name>ScanViewerDialog</name>
    <message>
        <source>关闭</source>
        <translation>Close</translation>
    </message>
</context>
<context>
    <name>ScansPage</name>
    <message>
        <source>扫描件</source>
        <translation>Scans</translation>
    </message>
    <message>
        <source>导入签字后的纸质表单</source>
        <translation>Import signed paper forms</translation>
    </message>
    <message>
        <source>导入文件…</source>
        <translation>Import files…</translation>
    </message>
    <message>
        <source>从扫描仪扫描</source>
        <translation>Scan from scanner</translation>
    </message>
    <message>
        <source>未设置</source>
        <translation>Not set</translation>
    </message>
    <message>
        <source>选择文件夹…</source>
        <translation>Choose folder…</translation>
    </message>
    <message>
        <source>监视此文件夹</source>
        <translation>Watch this folder</translation>
    </message>
    <message>
        <source>未安装扫描仪支持，请使用扫描仪的“扫描到文件夹”功能。</source>
        <translation>Scanner support is not installed; use the scanner&apos;s &quot;scan to folder&quot; function.</translation>
    </message>
    <message>
        <source>导入后删除原文件（推荐，避免明文留在电脑上）</source>
        <translation>Delete the original file after import (recommended: no plain copy stays on the PC)</translation>
    </message>
    <message>
        <source>也可以把扫描件（PNG、JPEG、TIFF、PDF）拖放到本页面。</source>
        <translation>You can also drop scans (PNG, JPEG, TIFF, PDF) onto this page.</translation>
    </message>
    <message>
        <source>扫描到文件夹：</source>
        <translation>Scan-to folder: </translation>
    </message>
    <message>
        <source>导入时间</source>
        <translation>Imported</translation>
    </message>
    <message>
        <source>页数</source>
        <translation>Pages</translation>
    </message>
    <message>
        <source>原因</source>
        <translation>Reason</translation>
    </message>
    <message>
        <source>二维码内容</source>
        <translation>QR code content</translation>
    </message>
    <message>
        <source>人工匹配</source>
        <translation>Match by hand</translation>
    </message>
    <message>
        <source>表单二维码旁印的编号，例如 SH-001-261102-00001</source>
        <translation>The serial printed beside the form&apos;s QR code, e.g. SH-001-261102-00001</translation>
    </message>
    <message>
        <source>丢弃扫描件（店长）</source>
        <translation>Discard scan (store manager)</translation>
    </message>
    <message>
        <source>同一编号已归档了不同内容，请店长决定：</source>
        <translation>Different content was already archived under this serial. The store manager decides:</translation>
    </message>
    <message>
        <source>同一编号内容不同，待店长决定</source>
        <translation>Same serial, different content: waiting for the store manager</translation>
    </message>
    <message>
        <source>待匹配的扫描件（{n}）</source>
        <translation>Scans waiting to be matched ({n})</translation>
    </message>
    <message>
        <source>已导入 {pages} 页：已匹配 {m} 份，待匹配 {i} 份，重复 {d} 份，待店长决定 {c} 份。</source>
        <translation>Imported {pages} pages: {m} matched, {i} waiting to be matched, {d} duplicates, {c} for the store manager to decide.</translation>
    </message>
    <message>
        <source>另有 {h} 页无法定位身份证号方格，未归档，已暂存待店长处理。</source>
        <translation> {h} more page(s): the ID-number boxes could not be located; not archived, held for a manager.</translation>
    </message>
    <message>
        <source>同一编号已归档了不同内容，已转店长决定。</source>
        <translation>Different content was already archived under this serial; passed to the store manager.</translation>
    </message>
    <message>
        <source>确定删除这份扫描件吗？删除后无法恢复。</source>
        <translation>Delete this scan? It cannot be recovered.</translation>
    </message>
    <message>
        <source>表单尚未关联会员时填写</source>
        <translation>Fill in when the form is not yet linked to a member</translation>
    </message>
    <message>
        <source>表单编号</source>
        <translation>Form serial</translation>
    </message>
    <message>
        <source>会员号</source>
        <translation>Member number</translation>
    </message>
    <message>
        <source>匹配</source>
        <translation>Match</translation>
    </message>
    <message>
        <source>以新扫描件替换</source>
        <translation>Replace with the new scan</translation>
    </message>
    <message>
        <source>两份都保留</source>
        <translation>Keep both</translation>
    </message>
    <message>
        <source>删除新扫描件</source>
        <translation>Delete the new scan</translation>
    </message>
    <message>
        <source>未识别到二维码</source>
        <translation>No QR code recognised</translation>
    </message>
    <message>
        <source>编号不在已打印表单中</source>
        <translation>Serial is not among the printed forms</translation>
    </message>
    <message>
        <source>表单尚未关联会员</source>
        <translation>Form not yet linked to a member</translation>
    </message>
    <message>
        <source>选择扫描件</source>
        <translation>Choose scans</translation>
    </message>
    <message>
        <source>选择扫描仪保存文件的文件夹</source>
        <translation>Choose the folder where the scanner saves files</translation>
    </message>
    <message>
        <source>已匹配并归档。</source>
        <translation>Matched and archived.</translation>
    </message>
    <message>
        <source>该表单已归档过相同内容。</source>
        <translation>This form was already archived with the same content.</translation>
    </message>
    <message>
        <source>丢弃扫描件需要店长确认。</source>
        <translation>Discarding a scan needs a store manager&apos;s confirmation.</translation>
    </message>
    <message>
        <source>丢弃扫描件</source>
        <translation>Discard scan</translation>
    </message>
    <message>
        <source>处理重复编号需要店长确认。</source>
        <translation>Resolving a duplicate serial needs a store manager&apos;s confirmation.</translation>
    </message>
</context>
<context>
    <name>SensitiveConsentView</name>
    <message>
        <source>重新签名</source>
        <translation>Sign again</translation>
    </message>
    <message>
        <source>不同意此项</source>
        <translation>I do not agree</translation>
    </message>
    <message>
        <source>单独同意：</source>
        <translation>Separate consent: </translation>
    </message>
    <message>
        <source>刷脸支付不是必需的：您随时可以选择扫码、刷卡或现金等其他支付方式。</source>
        <translation>Face payment is never required: you can always pay by QR code, card or cash instead.</translation>
    </message>
    <message>
        <source>保护措施</source>
        <translation>Protection</translation>
    </message>
    <message>
        <source>信息类型</source>
        <translation>Data types</translation>
    </message>
    <message>
        <source>如您同意，请在下方签名；不同意不影响办理会员。</source>
        <translation>If you agree, please sign below; refusing does not affect your membership.</translation>
    </message>
    <message>
        <source>必要性</source>
        <translation>Necessity</translation>
    </message>
</context>
<context>
    <name>ServiceRecordDialog</name>
    <message>
        <source>登记服务记录</source>
        <translation>Record a service</translation>
    </message>
    <message>
        <source>顾客反映的问题或意见、处理情况</source>
        <translation>The customer&apos;s issue or feedback, and what was done</translation>
    </message>
    <message>
        <source>已当场处理完毕（服务结束）</source>
        <translation>Settled on the spot (service ended)</translation>
    </message>
    <message>
        <source>类型</source>
        <translation>Type</translation>
    </message>
    <message>
        <source>内容</source>
        <translation>Content</translation>
    </message>
    <message>
        <source>服务记录自服务结束之日起保存 2 年，到期自动删除。</source>
        <translation>Service records are kept for 2 years after the service ends, then deleted automatically.</translation>
    </message>
    <message>
        <source>保存</source>
        <translation>Save</translation>
    </message>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
</context>
<context>
    <name>ServiceRecordsTab</name>
    <message>
        <source>登记时间</source>
        <translation>Recorded</translation>
    </message>
    <message>
        <source>类型</source>
        <translation>Type</translation>
    </message>
    <message>
        <source>状态</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>内容</source>
        <translation>Content</translation>
    </message>
    <message>
        <source>服务记录自服务结束之日起保存 2 年。</source>
        <translation>Service records are kept for 2 years after the service ends.</translation>
    </message>
    <message>
        <source>登记服务记录…</source>
        <translation>Record a service…</translation>
    </message>
    <message>
        <source>结束服务</source>
        <translation>End service</translation>
    </message>
    <message>
        <source>已结束 {d}</source>
        <translation>Ended {d}</translation>
    </message>
    <message>
        <source>处理中</source>
        <translation>Open</translation>
    </message>
</context>
<context>
    <name>SettingsPage</name>
    <message>
        <source>常规</source>
        <translation>General</translation>
    </message>
    <message>
        <source>界面语言（重启后生效）</source>
        <translation>Interface language (after a restart)</translation>
    </message>
    <message>
        <source> 分钟</source>
        <translation> minutes</translation>
    </message>
    <message>
        <source>无操作自动锁定</source>
        <translation>Lock when idle for</translation>
    </message>
    <message>
        <source>保留备份份数</source>
        <translation>Backups to keep</translation>
    </message>
    <message>
        <source>选择字体文件…</source>
        <translation>Choose font file…</translation>
    </message>
    <message>
        <source>打印用中文字体</source>
        <translation>Chinese font for printing</translation>
    </message>
    <message>
        <source>收银数据</source>
        <translation>POS data</translation>
    </message>
    <message>
        <source>留空：不自动导入</source>
        <translation>Empty: no automatic import</translation>
    </message>
    <message>
        <source>选择文件夹…</source>
        <translation>Choose folder…</translation>
    </message>
    <message>
        <source>保存</source>
        <translation>Save</translation>
    </message>
    <message>
        <source>收银系统导出文件夹</source>
        <translation>POS export folder</translation>
    </message>
    <message>
        <source>收银系统把导出文件存放在这个文件夹时，MemberDesk 每隔几分钟导入新文件（只读取，不移动也不删除）。留空则不自动导入，店员可在首页手动导入。</source>
        <translation>When the POS saves its export files in this folder, MemberDesk imports new files every few minutes (it only reads them: nothing is moved or deleted). Leave it empty for no automatic import; clerks can import by hand on the Home page.</translation>
    </message>
    <message>
        <source>我的账户</source>
        <translation>My account</translation>
    </message>
    <message>
        <source>修改密码…</source>
        <translation>Change password…</translation>
    </message>
    <message>
        <source>备份与审计日志</source>
        <translation>Backups and audit log</translation>
    </message>
    <message>
        <source>立即备份</source>
        <translation>Back up now</translation>
    </message>
    <message>
        <source>校验审计日志</source>
        <translation>Verify audit log</translation>
    </message>
    <message>
        <source>证据包…</source>
        <translation>Evidence pack…</translation>
    </message>
    <message>
        <source>员工账户</source>
        <translation>Staff accounts</translation>
    </message>
    <message>
        <source>姓名</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>用户名</source>
        <translation>User name</translation>
    </message>
    <message>
        <source>角色</source>
        <translation>Role</translation>
    </message>
    <message>
        <source>状态</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>添加员工…</source>
        <translation>Add staff…</translation>
    </message>
    <message>
        <source>停用/启用</source>
        <translation>Disable/enable</translation>
    </message>
    <message>
        <source>重设密码…</source>
        <translation>Reset password…</translation>
    </message>
    <message>
        <source>删除账户</source>
        <translation>Remove account</translation>
    </message>
    <message>
        <source>从未</source>
        <translation>never</translation>
    </message>
    <message>
        <source>上次备份：</source>
        <translation>Last backup: </translation>
    </message>
    <message>
        <source>备份份数：</source>
        <translation>Backups: </translation>
    </message>
    <message>
        <source>备份位置：</source>
        <translation>Backup folder: </translation>
    </message>
    <message>
        <source>店长</source>
        <translation>Store manager</translation>
    </message>
    <message>
        <source>店员</source>
        <translation>Clerk</translation>
    </message>
    <message>
        <source>已停用</source>
        <translation>Disabled</translation>
    </message>
    <message>
        <source>正常</source>
        <translation>Active</translation>
    </message>
    <message>
        <source>未知</source>
        <translation>Unknown</translation>
    </message>
    <message>
        <source>未找到可嵌入的中文字体，打印时使用备用字体 STSong-Light（由打印机或阅读器替换）。请安装文泉驿微米黑或黑体，或选择字体文件。</source>
        <translation>No embeddable Chinese font was found: printing uses the fallback font STSong-Light (substituted by the printer or PDF reader). Install WenQuanYi Micro Hei or SimHei, or choose a font file.</translation>
    </message>
    <message>
        <source>（所选字体文件不可用，已自动改用系统字体）</source>
        <translation> (the chosen font file cannot be used; a system font is used instead)</translation>
    </message>
    <message>
        <source>选择 TrueType 中文字体</source>
        <translation>Choose a TrueType Chinese font</translation>
    </message>
    <message>
        <source>TrueType 字体 (*.ttf *.ttc)</source>
        <translation>TrueType fonts (*.ttf *.ttc)</translation>
    </message>
    <message>
        <source>已保存，正在导入文件夹中的新文件。</source>
        <translation>Saved. Importing the new files in the folder now.</translation>
    </message>
    <message>
        <source>已保存：不自动导入收银数据。</source>
        <translation>Saved: POS data is not imported automatically.</translation>
    </message>
    <message>
        <source>选择收银系统存放导出文件的文件夹</source>
        <translation>Choose the folder the POS saves its export files in</translation>
    </message>
    <message>
        <source>界面语言</source>
        <translation>Interface language</translation>
    </message>
    <message>
        <source>界面语言将在下次启动时切换。</source>
        <translation>The interface language changes at the next start.</translation>
    </message>
    <message>
        <source>修改密码</source>
        <translation>Change password</translation>
    </message>
    <message>
        <source>密码已修改。</source>
        <translation>Password changed.</translation>
    </message>
    <message>
        <source>备份</source>
        <translation>Backup</translation>
    </message>
    <message>
        <source>备份已完成：</source>
        <translation>Backup finished: </translation>
    </message>
    <message>
        <source>审计日志</source>
        <translation>Audit log</translation>
    </message>
    <message>
        <source>审计日志完整，共 %n 条记录。</source>
        <translation>The audit log is intact: %n entries.</translation>
    </message>
    <message>
        <source>证据包</source>
        <translation>Evidence pack</translation>
    </message>
    <message>
        <source>临时密码</source>
        <translation>Temporary password</translation>
    </message>
    <message>
        <source>确定</source>
        <translation>OK</translation>
    </message>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>启用账户并设置临时密码</source>
        <translation>Enable the account and set a temporary password</translation>
    </message>
    <message>
        <source>重设密码</source>
        <translation>Reset password</translation>
    </message>
    <message>
        <source>确定删除该员工账户吗？审计日志中的记录会保留。</source>
        <translation>Remove this staff account? Its entries in the audit log are kept.</translation>
    </message>
    <message>
        <source>例如 192.168.1.50:9100；留空：用普通打印机打印回执</source>
        <translation>e.g. 192.168.1.50:9100; empty: receipts go to the office printer</translation>
    </message>
    <message>
        <source>小票打印机（80 毫米）</source>
        <translation>Receipt printer (80 mm)</translation>
    </message>
    <message>
        <source>已保存。</source>
        <translation>Saved.</translation>
    </message>
</context>
<context>
    <name>SetupWizard</name>
    <message>
        <source>MemberDesk 首次设置</source>
        <translation>MemberDesk first-run set-up</translation>
    </message>
    <message>
        <source>下一步</source>
        <translation>Next</translation>
    </message>
    <message>
        <source>上一步</source>
        <translation>Back</translation>
    </message>
    <message>
        <source>完成</source>
        <translation>Finish</translation>
    </message>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
</context>
<context>
    <name>SignInWidget</name>
    <message>
        <source>登录</source>
        <translation>Sign in</translation>
    </message>
    <message>
        <source>用户名</source>
        <translation>User name</translation>
    </message>
    <message>
        <source>密码</source>
        <translation>Password</translation>
    </message>
    <message>
        <source>忘记密码（使用恢复密钥）</source>
        <translation>Forgot password (use the recovery key)</translation>
    </message>
    <message>
        <source>请输入用户名和密码。</source>
        <translation>Enter your user name and password.</translation>
    </message>
    <message>
        <source>正在登录，请稍候…</source>
        <translation>Signing in, please wait…</translation>
    </message>
</context>
<context>
    <name>SignaturePad</name>
    <message>
        <source>签名区</source>
        <translation>Signature area</translation>
    </message>
    <message>
        <source>请在此处签名</source>
        <translation>Please sign here</translation>
    </message>
</context>
<context>
    <name>SyncPage</name>
    <message>
        <source>同步状态</source>
        <translation>Sync status</translation>
    </message>
    <message>
        <source>状态</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>上次成功同步</source>
        <translation>Last successful sync</translation>
    </message>
    <message>
        <source>上次尝试</source>
        <translation>Last attempt</translation>
    </message>
    <message>
        <source>待上传记录</source>
        <translation>Changes waiting to upload</translation>
    </message>
    <message>
        <source>总部地址</source>
        <translation>Head-office address</translation>
    </message>
    <message>
        <source>时钟</source>
        <translation>Clock</translation>
    </message>
    <message>
        <source>立即同步</source>
        <translation>Sync now</translation>
    </message>
    <message>
        <source>登记到总部（店长）</source>
        <translation>Enrol with head office (store manager)</translation>
    </message>
    <message>
        <source>总部提供的一次性登记码</source>
        <translation>One-time enrolment code from head office</translation>
    </message>
    <message>
        <source>总部证书文件（.pem）</source>
        <translation>Head-office certificate file (.pem)</translation>
    </message>
    <message>
        <source>选择…</source>
        <translation>Choose…</translation>
    </message>
    <message>
        <source>登记</source>
        <translation>Enrol</translation>
    </message>
    <message>
        <source>登记码</source>
        <translation>Enrolment code</translation>
    </message>
    <message>
        <source>总部证书</source>
        <translation>Head-office certificate</translation>
    </message>
    <message>
        <source>同步记录</source>
        <translation>Sync log</translation>
    </message>
    <message>
        <source>开始时间</source>
        <translation>Started</translation>
    </message>
    <message>
        <source>方式</source>
        <translation>Trigger</translation>
    </message>
    <message>
        <source>结果</source>
        <translation>Result</translation>
    </message>
    <message>
        <source>上传</source>
        <translation>Uploaded</translation>
    </message>
    <message>
        <source>下载</source>
        <translation>Downloaded</translation>
    </message>
    <message>
        <source>执行删除</source>
        <translation>Erasures applied</translation>
    </message>
    <message>
        <source>说明</source>
        <translation>Note</translation>
    </message>
    <message>
        <source>正在同步…</source>
        <translation>Syncing…</translation>
    </message>
    <message>
        <source>选择总部证书</source>
        <translation>Choose the head-office certificate</translation>
    </message>
    <message>
        <source>证书 (*.pem *.crt)</source>
        <translation>Certificates (*.pem *.crt)</translation>
    </message>
    <message>
        <source>登记到总部</source>
        <translation>Enrol with head office</translation>
    </message>
    <message>
        <source>本店尚未登记到总部。</source>
        <translation>This store is not enrolled with head office yet.</translation>
    </message>
    <message>
        <source>需要完整重新同步，下次同步时自动进行。</source>
        <translation>A full resync is needed; it runs at the next sync.</translation>
    </message>
    <message>
        <source>本机时钟与总部相差 %1 分钟，已按总部时间校正。请检查本机时间。</source>
        <translation>This PC&apos;s clock differs from head office by %1 minutes; head-office time is used. Check the PC&apos;s clock.</translation>
    </message>
    <message>
        <source>正常</source>
        <translation>OK</translation>
    </message>
    <message>
        <source>从未</source>
        <translation>never</translation>
    </message>
    <message>
        <source>未配置</source>
        <translation>Not configured</translation>
    </message>
    <message>
        <source>与总部一致</source>
        <translation>Matches head office</translation>
    </message>
    <message>
        <source>定时</source>
        <translation>Scheduled</translation>
    </message>
    <message>
        <source>手动</source>
        <translation>Manual</translation>
    </message>
    <message>
        <source>总部下发</source>
        <translation>Head office</translation>
    </message>
    <message>
        <source>成功</source>
        <translation>Succeeded</translation>
    </message>
    <message>
        <source>未连接</source>
        <translation>Offline</translation>
    </message>
    <message>
        <source>被拒绝</source>
        <translation>Refused</translation>
    </message>
    <message>
        <source>出错</source>
        <translation>Error</translation>
    </message>
    <message>
        <source>忙</source>
        <translation>Busy</translation>
    </message>
</context>
<context>
    <name>UnscannedFormsPanel</name>
    <message>
        <source>会员已按这些纸质登记表登记，但表还没有扫描归档。登记表是顾客同意的凭证：请找到原件扫描，扫描后放入带锁文件柜（30 个工作日内销毁）。登记后满 %1 个工作日未扫描的标黄色，满 %2 个工作日的标红色。</source>
        <translation>Members were registered from these paper forms, but the forms are not scanned yet. A form is the evidence of the customer&apos;s consent: find it and scan it; the original then goes into the locked file cabinet (destroyed within 30 working days). Amber: not scanned %1 working days after the registration; red: after %2 working days.</translation>
    </message>
    <message>
        <source>表单编号</source>
        <translation>Form serial</translation>
    </message>
    <message>
        <source>登记时间</source>
        <translation>Registered</translation>
    </message>
    <message>
        <source>已过工作日</source>
        <translation>Working days since</translation>
    </message>
    <message>
        <source>会员号</source>
        <translation>Member number</translation>
    </message>
    <message>
        <source>登记店员</source>
        <translation>Registered by</translation>
    </message>
    <message>
        <source>没有待扫描的登记表：按纸质登记表登记的会员，登记表都已扫描归档。</source>
        <translation>No forms to scan: the forms of all members registered on paper are scanned and archived.</translation>
    </message>
    <message>
        <source>去扫描件页</source>
        <translation>Go to Scans</translation>
    </message>
    <message>
        <source>收件箱中待手动匹配的扫描件：%1 份，其中可能有上面的登记表。</source>
        <translation>Scans waiting in the inbox to be matched by hand: %1. The forms above may be among them.</translation>
    </message>
</context>
<context>
    <name>_ManagerPage</name>
    <message>
        <source>第一位店长账户</source>
        <translation>First store manager account</translation>
    </message>
    <message>
        <source>每位员工使用自己的账户登录，不共用密码。密码至少 8 位。</source>
        <translation>Every staff member signs in with their own account; passwords are never shared. At least 8 characters.</translation>
    </message>
    <message>
        <source>姓名</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>用户名</source>
        <translation>User name</translation>
    </message>
    <message>
        <source>密码</source>
        <translation>Password</translation>
    </message>
    <message>
        <source>确认密码</source>
        <translation>Confirm password</translation>
    </message>
    <message>
        <source>两次输入的密码不一致。</source>
        <translation>The two passwords do not match.</translation>
    </message>
</context>
<context>
    <name>_RecoveryPage</name>
    <message>
        <source>恢复密钥</source>
        <translation>Recovery key</translation>
    </message>
    <message>
        <source>忘记密码或需要恢复数据时使用。它只显示这一次：请打印并锁入带锁文件柜。</source>
        <translation>Used when a password is forgotten or data must be recovered. It is shown only this once: print it and keep it in the locked file cabinet.</translation>
    </message>
    <message>
        <source>打印恢复密钥页…</source>
        <translation>Print recovery key sheet…</translation>
    </message>
    <message>
        <source>我已打印或抄写恢复密钥，并妥善保管。</source>
        <translation>I have printed or copied the recovery key and stored it safely.</translation>
    </message>
    <message>
        <source>恢复密钥页</source>
        <translation>Recovery key sheet</translation>
    </message>
</context>
<context>
    <name>_StorePage</name>
    <message>
        <source>门店与终端</source>
        <translation>Store and terminal</translation>
    </message>
    <message>
        <source>请填写本门店和这台电脑（终端）的信息。门店编码由总部提供。</source>
        <translation>Enter this store and this computer (terminal). Head office gives you the store code.</translation>
    </message>
    <message>
        <source>例如：上海南京路店</source>
        <translation>e.g. Shanghai Nanjing Road store</translation>
    </message>
    <message>
        <source>门店编码</source>
        <translation>Store code</translation>
    </message>
    <message>
        <source>门店名称</source>
        <translation>Store name</translation>
    </message>
    <message>
        <source>终端名称</source>
        <translation>Terminal name</translation>
    </message>
</context>
<context>
    <name>nav</name>
    <message>
        <source>个人信息权利申请</source>
        <translation>Requests</translation>
    </message>
    <message>
        <source>会员</source>
        <translation>Members</translation>
    </message>
    <message>
        <source>保存期限</source>
        <translation>Retention</translation>
    </message>
    <message>
        <source>同步</source>
        <translation>Sync</translation>
    </message>
    <message>
        <source>告知书</source>
        <translation>Notices</translation>
    </message>
    <message>
        <source>打印资料</source>
        <translation>Print documents</translation>
    </message>
    <message>
        <source>扫描件</source>
        <translation>Scans</translation>
    </message>
    <message>
        <source>纸质原件</source>
        <translation>Paper originals</translation>
    </message>
    <message>
        <source>设置</source>
        <translation>Settings</translation>
    </message>
    <message>
        <source>首页</source>
        <translation>Home</translation>
    </message>
</context>
</TS>
