// The sandbox console: a Lark-like chat client over the built-in emulator. It only uses what an outside
// party could: the emulator's control API (state, send, click, live events) and Baton's public lead API.

import { renderCard, h, txt } from './card.js';
import { randomLead } from './demo.js';
import { UI } from './i18n.js';
import { renderChats, renderMessages, chatName, lastActivity } from './view.js';

const $ = (id) => document.getElementById(id);
const store = {
  get: (k, d) => { try { return JSON.parse(localStorage.getItem('baton.' + k)) ?? d; } catch { return d; } },
  set: (k, v) => { try { localStorage.setItem('baton.' + k, JSON.stringify(v)); } catch { /* private mode */ } },
};

const S = {
  cfg: null, state: null, persona: store.get('persona', ''), lang: store.get('lang', 'zh_cn'), chat: null,
  seen: store.get('seen', {}), t: UI.zh_cn,
};

async function api(path, init) {
  const res = await fetch(path, init);
  let body = null;
  try { body = await res.json(); } catch { /* empty or not JSON */ }
  if (!res.ok) {
    const msg = body && body.error ? (body.error.message || body.error) : res.status + ' ' + res.statusText;
    throw new Error(String(msg));
  }
  return body;
}

const emu = (p) => S.cfg.emulator + '/__emu/' + p;
const post = (p, v, headers) => api(p, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(v) });

export function toast(text, type) {
  const t = h('div', 'toast ' + (type || 'info'), text);
  $('toasts').appendChild(t);
  setTimeout(() => t.remove(), 3500);
}

function confirmDialog(title, text) {
  const d = $('confirm');
  $('confirm-title').textContent = title;
  $('confirm-text').textContent = text;
  return new Promise((resolve) => {
    d.addEventListener('close', () => resolve(d.returnValue === 'ok'), { once: true });
    d.returnValue = '';
    d.showModal();
  });
}

function userName(id) {
  if (!S.state) return id;
  if (id === (S.state.bot || {}).open_id) return S.cfg.bot_name;
  const u = (S.state.users || []).find((x) => x.open_id === id);
  if (!u) return id;
  return S.lang === 'en_us' && u.en_name ? u.en_name : u.name;
}

function myChats() {
  const chats = ((S.state && S.state.chats) || []).filter((c) => (c.members || []).includes(S.persona));
  return chats.sort((a, b) => (a.type === 'p2p') - (b.type === 'p2p') || lastActivity(b) - lastActivity(a));
}

function currentChat() { return myChats().find((c) => c.chat_id === S.chat); }

// cardCtx is what a card needs to render and act: its language, names, pickable people, and the click.
function cardCtx(m) {
  const chat = currentChat();
  const people = chat && chat.type !== 'p2p' ? chat.members : (S.state.users || []).map((u) => u.open_id);
  return {
    lang: S.lang, userName, people, toast, confirm: confirmDialog,
    act: (req) => click(m.message_id, req),
  };
}

async function click(messageID, req) {
  const node = document.querySelector(`.msg[data-message-id="${CSS.escape(messageID)}"]`);
  if (node) node.classList.add('busy');
  try {
    const res = await post(emu('click'), { message_id: messageID, open_id: S.persona, ...req });
    if (res.error) toast(S.t.clickFailed + ': ' + res.error, 'error');
    else if (res.toast) toast(txt({ content: res.toast.content, i18n_content: res.toast.i18n }, S), res.toast.type);
  } catch (e) {
    toast(S.t.clickFailed + ': ' + e.message, 'error');
  } finally {
    if (node) node.classList.remove('busy');
    refresh();
  }
}

function markSeen() {
  const c = currentChat();
  if (!c) return;
  S.seen[S.persona + ' ' + c.chat_id] = lastActivity(c);
  store.set('seen', S.seen);
}

function render() {
  const chats = myChats();
  if (!chats.some((c) => c.chat_id === S.chat)) S.chat = chats.length ? chats[0].chat_id : null;
  markSeen();
  renderChats($('chats'), chats, S, pickChat);
  const c = currentChat();
  $('chat-title').textContent = c ? chatName(c, S) : '';
  $('chat-sub').textContent = !c ? '' : c.type === 'p2p' ? S.t.dm
    : `${(c.members || []).length} ${S.t.members} · ${(c.members || []).map(userName).join('、')}`;
  $('text').placeholder = c && c.type !== 'p2p' ? S.t.sayGroup : S.t.say;
  if (c) renderMessages($('messages'), c, S, cardCtx);
  else $('messages').replaceChildren();
}

function pickChat(id) {
  S.chat = id;
  store.set('chat', id);
  document.body.classList.remove('show-chats');
  render();
}

let loading = null;
let again = false;
// refresh loads a fresh snapshot; bursts of change events collapse into at most one extra load.
async function refresh() {
  if (loading) { again = true; return loading; }
  loading = (async () => {
    try {
      S.state = await api(emu('state'));
      render();
    } catch (e) {
      setLive('offline');
    }
  })();
  await loading;
  loading = null;
  if (again) { again = false; refresh(); }
}

function setLive(mode) {
  const l = $('live');
  l.className = 'live is-' + mode;
  l.textContent = S.t[mode];
  l.dataset.mode = mode;
}

let poller = null;
// connect follows the emulator's event stream, and polls while the stream is down.
function connect() {
  const poll = (on) => {
    if (on && !poller) poller = setInterval(refresh, 2000);
    if (!on && poller) { clearInterval(poller); poller = null; }
  };
  // A slow poll underneath catches streams that a proxy buffers: they stay "open" but deliver nothing.
  setInterval(refresh, 15000);
  if (!window.EventSource) { poll(true); setLive('polling'); return; }
  const es = new EventSource(emu('events'));
  es.addEventListener('open', () => { poll(false); setLive('live'); });
  es.addEventListener('change', () => refresh());
  es.addEventListener('error', () => { poll(true); setLive('polling'); });
}

function applyLang() {
  S.t = UI[S.lang];
  document.documentElement.lang = S.lang === 'en_us' ? 'en' : 'zh-CN';
  for (const n of document.querySelectorAll('[data-i18n]')) n.textContent = S.t[n.dataset.i18n];
  $('lang').textContent = S.lang === 'en_us' ? '中文' : 'EN';
  const sel = $('persona');
  sel.replaceChildren(...S.cfg.personas.map((p) => {
    const o = h('option', '', `${S.lang === 'en_us' ? p.en_name : p.name} · ${S.t.roles[p.role] || p.role}`);
    o.value = p.open_id;
    o.selected = p.open_id === S.persona;
    return o;
  }));
  if (S.state) render();
  if ($('live').dataset.mode) setLive($('live').dataset.mode);
}

async function sendText(e) {
  e.preventDefault();
  const input = $('text');
  const c = currentChat();
  let text = input.value.trim();
  if (!text || !c) return;
  // In groups Baton answers only when mentioned, so the console mentions it the way a user would.
  if (c.type !== 'p2p' && !text.startsWith('@')) text = '@bot ' + text;
  input.value = '';
  try {
    const res = await post(emu('send'), { chat_id: c.chat_id, open_id: S.persona, text });
    if (res.error) toast(S.t.sendFailed + ': ' + res.error, 'error');
  } catch (err) {
    toast(S.t.sendFailed + ': ' + err.message, 'error');
  }
  refresh();
}

async function newLead() {
  const lead = randomLead();
  try {
    const res = await post(S.cfg.lead_api, lead, { Authorization: 'Bearer ' + S.cfg.source_token });
    // The API's status word ("created", "touch", "exists") is for programs; people read it in their language.
    const status = (S.t.leadStatus && S.t.leadStatus[res.status]) || '';
    toast(`${S.t.leadPosted}: #${res.id} ${lead.name} · ${lead.company}${status}`, 'success');
  } catch (e) {
    toast(S.t.leadFailed + ': ' + e.message, 'error');
  }
}

async function boot() {
  S.cfg = await api('config.json');
  if (!S.cfg.personas.some((p) => p.open_id === S.persona)) S.persona = S.cfg.personas[0].open_id;
  S.chat = store.get('chat', S.cfg.sales_chat);
  $('zone').textContent = '时区 · ' + (S.cfg.time_zone || 'UTC');
  applyLang();
  $('persona').addEventListener('change', (e) => { S.persona = e.target.value; store.set('persona', S.persona); render(); });
  $('lang').addEventListener('click', () => { S.lang = S.lang === 'en_us' ? 'zh_cn' : 'en_us'; store.set('lang', S.lang); applyLang(); });
  $('composer').addEventListener('submit', sendText);
  $('demo-lead').addEventListener('click', newLead);
  $('menu').addEventListener('click', () => document.body.classList.toggle('show-chats'));
  await refresh();
  connect();
}

// window.baton lets a developer preview any card JSON from the browser's devtools with this renderer;
// act, when given, receives the clicks the card would send.
window.baton = {
  preview: (card, lang, act) => renderCard(card, {
    lang: lang || S.lang, userName, people: ((S.state && S.state.users) || []).map((u) => u.open_id),
    toast, confirm: confirmDialog, act: act || (async () => {}),
  }),
};

boot().catch((e) => toast('Baton console failed to start: ' + e.message, 'error'));
