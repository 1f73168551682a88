// The console's own words in both languages Baton's cards speak.

export const UI = {
  zh_cn: {
    sandbox: '沙盒 · 内置飞书模拟器', actingAs: '当前身份', newLead: '＋ 新演示线索', send: '发送',
    say: '输入消息，例如 /help 或 /my', sayGroup: '发消息（自动 @机器人），例如 /pool', cancel: '取消', ok: '确定',
    dm: '与机器人的私聊', members: '位成员', noMessages: '还没有消息。点“新演示线索”，线索卡片会出现在销售群。',
    leadPosted: '已提交演示线索', leadFailed: '提交线索失败',
    leadStatus: { created: '（新线索）', touch: '（老客户，记为新触达）', exists: '（已收到过，未改动）' }, sendFailed: '发送失败', clickFailed: '操作失败',
    live: '实时', polling: '轮询', offline: '离线', roles: { rep: '销售', ops: '运营', manager: '主管' },
    card: '[卡片]', you: '我', noChats: '这个身份不在任何会话里',
  },
  en_us: {
    sandbox: 'Sandbox · built-in Lark emulator', actingAs: 'Acting as', newLead: '+ New demo lead', send: 'Send',
    say: 'Type a message, e.g. /help or /my', sayGroup: 'Message (the bot is @-mentioned for you), e.g. /pool',
    cancel: 'Cancel', ok: 'OK', dm: 'Direct chat with the bot', members: 'members',
    noMessages: 'No messages yet. Click "New demo lead" and the lead card appears in the sales group.',
    leadPosted: 'Demo lead posted', leadFailed: 'Posting the lead failed', sendFailed: 'Sending failed',
    leadStatus: { created: ' (new lead)', touch: ' (returning customer, recorded as a touch)', exists: ' (already received, nothing changed)' },
    clickFailed: 'The action failed', live: 'live', polling: 'polling', offline: 'offline',
    roles: { rep: 'Sales', ops: 'Ops', manager: 'Manager' }, card: '[Card]', you: 'Me',
    noChats: 'This persona is in no chat',
  },
};
