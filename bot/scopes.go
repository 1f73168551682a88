package bot

// ScopeNeed is one thing Baton does through Lark and the scopes that allow it: any one of AnyOf is enough,
// as the API pages say ("开启其中任意一项权限即可调用"). Optional needs degrade a feature instead of
// breaking Baton.
type ScopeNeed struct {
	AnyOf    []string
	WhyZH    string
	WhyEN    string
	Optional bool
}

// RequiredScopes lists the scopes Baton's features need, each from the "权限要求" of the API pages it calls:
//   - send, reply, update cards: https://open.feishu.cn/document/server-docs/im-v1/message/create
//   - urgent buzz: https://open.feishu.cn/document/server-docs/im-v1/buzz-messages/urgent_app
//   - @bot in groups, DMs (im.message.receive_v1): https://open.feishu.cn/document/server-docs/im-v1/message/events/receive
//   - chats and members: https://open.feishu.cn/document/server-docs/group/chat/get and chat-member/get
//   - user names: https://open.feishu.cn/document/server-docs/contact-v3/user/get
//   - email/mobile → open_id: https://open.feishu.cn/document/server-docs/contact-v3/user/batch_get_id
//
// The README's "Set up the Feishu app" table is this list; keep them together.
var RequiredScopes = []ScopeNeed{
	{AnyOf: []string{"im:message:send_as_bot", "im:message"},
		WhyZH: "在线索池群和私聊中发送、回复、更新卡片", WhyEN: "send, reply to and update cards in pool chats and DMs"},
	{AnyOf: []string{"im:message.group_at_msg:readonly"},
		WhyZH: "接收群里 @机器人 的命令（/lead、/pool …）", WhyEN: "receive @bot commands in groups (/lead, /pool, …)"},
	{AnyOf: []string{"im:message.p2p_msg:readonly"},
		WhyZH: "接收私聊机器人的命令", WhyEN: "receive commands sent to the bot in DMs"},
	{AnyOf: []string{"im:chat:readonly", "im:chat"},
		WhyZH: "读取线索池群信息和成员（成员为空时以群成员为准）", WhyEN: "read pool chats and their members (a pool without members: takes the chat's)"},
	{AnyOf: []string{"contact:contact.base:readonly", "contact:contact:readonly_as_app", "contact:contact:readonly",
		"contact:contact:access_as_app"},
		WhyZH: "查询销售和主管的通讯录信息", WhyEN: "look up reps and managers in the contact directory"},
	{AnyOf: []string{"contact:user.base:readonly"},
		WhyZH: "在卡片上显示销售和主管的姓名（字段权限）", WhyEN: "show reps' and managers' names on cards (a field permission)"},
	{AnyOf: []string{"im:message.urgent"}, Optional: true,
		WhyZH: "SLA 升级时加急提醒主管（urgent 步骤）", WhyEN: "buzz managers on an SLA urgent step"},
	{AnyOf: []string{"contact:user.id:readonly"}, Optional: true,
		WhyZH: "导入时按邮箱或手机号识别负责人", WhyEN: "resolve owners by email or mobile when importing"},
}

// BaseScopes are the scopes the Feishu Base mirror (base: in baton.yaml) needs: records, fields and tables
// (https://open.feishu.cn/document/server-docs/docs/bitable-v1/app-table-record/batch_create: "bitable:app"
// or base:record:create; batch_update, app-table/create and app-table-field/create accept bitable:app too)
// and the Base file's change events (https://open.feishu.cn/document/server-docs/docs/drive-v1/event/subscribe:
// drive:drive, or docs:event:subscribe).
var BaseScopes = []ScopeNeed{
	{AnyOf: []string{"bitable:app"},
		WhyZH: "把线索同步到多维表格（建表、建字段、写记录）", WhyEN: "mirror leads to the Feishu Base (tables, fields, records)"},
	{AnyOf: []string{"drive:drive", "docs:event:subscribe"}, Optional: true,
		WhyZH: "订阅多维表格的记录变更，把运营在表格里改的标签和备注带回 Baton",
		WhyEN: "subscribe to the Base's record changes, so ops' tag and note edits come back to Baton"},
}
