// The chat list and the message pane. Message nodes are reused while their content is unchanged, so a
// half-filled card form survives updates to other messages.

import { renderCard, cardSummary, h } from './card.js';
import { inline } from './markdown.js';

export const chatKey = (c) => c.chat_id;
const isGroup = (c) => c.type !== 'p2p';

export function chatName(c, S) {
  return isGroup(c) ? c.name || c.chat_id : S.cfg.bot_name;
}

function stamp(m) { return Date.parse(m.updated_at || m.created_at) || 0; }

// lastActivity is when anything in the chat last changed: a new message or an updated card.
export function lastActivity(c) {
  return (c.messages || []).reduce((a, m) => Math.max(a, stamp(m)), 0);
}

function parseContent(m) {
  try { return JSON.parse(m.content || '{}'); } catch { return {}; }
}

// textOf turns a text message's content into display text: the emulator stores "@bot" as Lark's
// "@_user_N" placeholder, and bot texts carry <at user_id=…> tags.
function appendText(parent, raw, S, ctx) {
  const s = String(raw || '')
    .replace(/@_user_\d+/g, '@' + S.cfg.bot_name)
    .replace(/<at\s+user_id=["']?([^"'\s>]+)["']?\s*>[^<]*<\/at>/g, '<at id=$1></at>');
  inline(parent, s, ctx);
}

function postText(content, S) {
  const post = content[S.lang] || content.zh_cn || content.en_us || content;
  const lines = [];
  if (post.title) lines.push(post.title);
  for (const para of post.content || []) {
    lines.push(para.map((e) => (e.tag === 'at' ? '@' + (e.user_name || e.user_id) : e.text || e.href || '')).join(''));
  }
  return lines.join('\n');
}

export function preview(m, S, ctx) {
  if (m.msg_type === 'interactive') return cardSummary(m.card, ctx);
  const c = parseContent(m);
  if (m.msg_type === 'text') return String(c.text || '').replace(/@_user_\d+/g, '@' + S.cfg.bot_name).replace(/<at[^>]*>[^<]*<\/at>/g, '@');
  if (m.msg_type === 'post') return postText(c, S);
  return '[' + m.msg_type + ']';
}

function body(m, S, ctx) {
  if (m.msg_type === 'interactive') return renderCard(m.card, ctx);
  const b = h('div', 'bubble');
  if (m.msg_type === 'text') appendText(b, parseContent(m).text, S, ctx);
  else if (m.msg_type === 'post') b.textContent = postText(parseContent(m), S);
  else b.appendChild(h('span', 'unknown', '[' + m.msg_type + ']')).dataset.tag = m.msg_type;
  return b;
}

// time shows when a message was sent in the team's time zone (baton.yaml), as the cards do.
function time(m, S) {
  const d = new Date(m.created_at);
  if (Number.isNaN(d.getTime())) return '';
  return d.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', hour12: false, timeZone: S.cfg.time_zone || 'UTC' });
}

function messageNode(m, S, ctx) {
  const own = m.sender === S.persona;
  const row = h('div', 'msg' + (own ? ' own' : '') + (m.sender === 'app' ? ' bot' : ''));
  row.dataset.messageId = m.message_id;
  const name = m.sender === 'app' ? S.cfg.bot_name : ctx.userName(m.sender);
  row.appendChild(h('div', 'avatar', m.sender === 'app' ? '接' : name.slice(0, 1)));
  const col = row.appendChild(h('div', 'msg-col'));
  const meta = col.appendChild(h('div', 'meta'));
  meta.appendChild(h('span', 'sender', name));
  meta.appendChild(h('span', 'time', time(m, S) + (m.updates ? ' · ✎' + m.updates : '')));
  col.appendChild(body(m, S, ctx));
  return row;
}

// renderMessages brings the pane in line with chat's messages, reusing unchanged nodes.
export function renderMessages(pane, chat, S, ctxFor) {
  const keep = new Map();
  for (const n of pane.querySelectorAll('.msg')) keep.set(n.dataset.messageId, n);
  const nearBottom = pane.scrollHeight - pane.scrollTop - pane.clientHeight < 80;
  const before = pane.querySelectorAll('.msg').length;
  const nodes = [];
  for (const m of chat.messages || []) {
    const sig = [m.updated_at, m.updates, m.content.length, S.lang, S.persona].join('|');
    let n = keep.get(m.message_id);
    if (!n || n.dataset.sig !== sig) {
      n = messageNode(m, S, ctxFor(m));
      n.dataset.sig = sig;
    }
    nodes.push(n);
  }
  if (nodes.length === 0) nodes.push(h('div', 'empty', S.t.noMessages));
  pane.replaceChildren(...nodes);
  if (nearBottom || nodes.length !== before) pane.scrollTop = pane.scrollHeight;
}

// renderChats draws the persona's chats, newest activity first, with unread dots.
export function renderChats(nav, chats, S, onPick) {
  const items = chats.map((c) => {
    const a = h('button', 'chat' + (c.chat_id === S.chat ? ' active' : ''));
    a.type = 'button';
    a.dataset.chatId = c.chat_id;
    a.appendChild(h('div', 'avatar' + (isGroup(c) ? ' group' : ''), isGroup(c) ? '群' : '接'));
    const text = a.appendChild(h('div', 'chat-text'));
    text.appendChild(h('div', 'chat-name', chatName(c, S)));
    const last = (c.messages || [])[c.messages.length - 1];
    text.appendChild(h('div', 'chat-last', last ? preview(last, S, { lang: S.lang }) : ''));
    const seen = S.seen[S.persona + ' ' + c.chat_id] || 0;
    if (c.chat_id !== S.chat && lastActivity(c) > seen) a.appendChild(h('span', 'dot')).title = 'unread';
    a.addEventListener('click', () => onPick(c.chat_id));
    return a;
  });
  if (items.length === 0) items.push(h('div', 'empty', S.t.noChats));
  nav.replaceChildren(...items);
}
