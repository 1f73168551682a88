// Renders Lark card JSON 2.0 into DOM nodes that look like the Lark client's white card panels, and turns
// interactions into the requests a Lark client would make (ctx.act). Unknown components show as visible
// placeholders so a card never silently loses content. All card text goes in with textContent.

import { renderMarkdown, safeURL } from './markdown.js';
import { renderChart } from './chart.js';
import { fieldControl, collectForm } from './controls.js';

// h builds an element with a class and optional text.
export function h(tag, cls, text) {
  const n = document.createElement(tag);
  if (cls) n.className = cls;
  if (text !== undefined && text !== null) n.textContent = String(text);
  return n;
}

// txt picks the text of a text object in the current language: i18n_content first, then content.
export function txt(t, ctx) {
  if (t === undefined || t === null) return '';
  if (typeof t === 'string') return t;
  const i18n = t.i18n_content || t.i18n;
  if (i18n && typeof i18n[ctx.lang] === 'string') return i18n[ctx.lang];
  if (typeof t.content === 'string') return t.content;
  return typeof t.text === 'string' ? t.text : '';
}

const cssWord = (s) => String(s || '').replace(/[^\w-]/g, '');

// target is how the emulator finds the element again: element_id, then name, then the callback's op.
export function target(el) {
  return el.element_id || el.name || (callback(el) || {}).op || '';
}

export function callback(el) {
  for (const b of el.behaviors || []) if (b && b.type === 'callback') return b.value || {};
  return el.value && typeof el.value === 'object' ? el.value : null;
}

function textBlock(t, ctx) {
  if (t && t.tag === 'lark_md') return renderMarkdown(txt(t, ctx), ctx);
  const d = h('div', 'pt', txt(t, ctx));
  if (t && t.text_size) d.classList.add('size-' + cssWord(t.text_size));
  if (t && t.text_color) d.classList.add('color-' + cssWord(t.text_color));
  if (t && t.text_align) d.classList.add('align-' + cssWord(t.text_align));
  return d;
}

function placeholder(tag, ctx) {
  const d = h('div', 'unknown', (ctx.lang === 'en_us' ? 'Unsupported component: ' : '暂不支持的组件：') + (tag || '?'));
  d.dataset.tag = tag || '';
  return d;
}

async function clickButton(el, ctx, form) {
  if (form && el.form_action_type === 'reset') {
    form.node.reset();
    return;
  }
  let req = { target: target(el) };
  if (form && el.form_action_type === 'submit') {
    // The client checks required fields before it asks to confirm or calls the bot.
    const { values, missing } = collectForm(form);
    if (missing.length) {
      ctx.toast((ctx.lang === 'en_us' ? 'Required: ' : '请填写必填项：') + missing.join(', '), 'error');
      return;
    }
    req = { ...req, form_value: values };
  }
  if (el.confirm && !(await ctx.confirm(txt(el.confirm.title, ctx), txt(el.confirm.text, ctx)))) return;
  if (req.form_value) {
    await ctx.act(req);
    return;
  }
  const urlBehavior = (el.behaviors || []).find((b) => b && b.type === 'open_url');
  if (urlBehavior) {
    const href = safeURL(urlBehavior.default_url || urlBehavior.pc_url || '');
    if (href) window.open(href, '_blank', 'noopener');
  }
  if (callback(el)) await ctx.act(req);
}

function button(el, ctx, form) {
  const b = h('button', 'cbtn t-' + cssWord(el.type || 'default'), txt(el.text, ctx));
  b.type = 'button';
  if (el.size) b.classList.add('s-' + cssWord(el.size));
  if (el.width === 'fill') b.classList.add('fill');
  b.disabled = el.disabled === true;
  b.dataset.target = target(el);
  b.addEventListener('click', () => clickButton(el, ctx, form));
  return b;
}

function columnSet(el, ctx, form) {
  const row = h('div', 'cols');
  if (el.flex_mode && el.flex_mode !== 'none') row.classList.add('flex-' + cssWord(el.flex_mode));
  for (const col of el.columns || []) {
    const c = h('div', 'col');
    if (col.width === 'auto') c.classList.add('auto');
    else c.style.flexGrow = String(col.weight || 1);
    if (col.vertical_align) c.classList.add('v-' + cssWord(col.vertical_align));
    renderElements(col.elements, ctx, form, c);
    row.appendChild(c);
  }
  return row;
}

function panel(el, ctx, form) {
  const d = h('details', 'panel');
  d.open = el.expanded === true;
  const s = d.appendChild(h('summary'));
  const title = el.header && el.header.title;
  s.appendChild(title && title.tag === 'markdown' ? renderMarkdown(txt(title, ctx), ctx) : h('span', '', txt(title, ctx)));
  renderElements(el.elements, ctx, form, d.appendChild(h('div', 'panel-body')));
  return d;
}

function chart(el, ctx) {
  const spec = el.chart_spec || {};
  const fig = h('figure', 'chart-box');
  const title = spec.title && (spec.title.text || spec.title.content);
  if (title) fig.appendChild(h('figcaption', '', title));
  const g = renderChart(spec);
  fig.appendChild(g || placeholder('chart:' + (spec.type || '?'), ctx));
  return fig;
}

function table(el, ctx) {
  const t = h('table', 'ctable');
  const cols = el.columns || [];
  const head = t.appendChild(h('tr'));
  cols.forEach((c) => head.appendChild(h('th', '', c.display_name || c.name)));
  for (const row of el.rows || []) {
    const tr = t.appendChild(h('tr'));
    cols.forEach((c) => {
      const v = row[c.name];
      tr.appendChild(h('td', '', v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : v));
    });
  }
  return t;
}

function formBox(el, ctx) {
  const f = h('form', 'cform');
  f.noValidate = true;
  f.dataset.name = el.name || '';
  const form = { node: f, fields: [] };
  f.addEventListener('submit', (e) => e.preventDefault());
  renderElements(el.elements, ctx, form, f);
  return f;
}

function person(el, ctx) {
  const ids = el.tag === 'person_list' ? (el.persons || []).map((p) => p.id) : [el.user_id];
  const d = h('div', 'persons');
  ids.forEach((id) => { const s = d.appendChild(h('span', 'mention', '@' + ctx.userName(id))); s.dataset.openId = id; });
  return d;
}

// renderElement renders one component; form is the enclosing form's field registry, if any.
export function renderElement(el, ctx, form) {
  if (!el || typeof el !== 'object') return placeholder(String(el), ctx);
  switch (el.tag) {
    case 'markdown': case 'lark_md': {
      const md = renderMarkdown(txt(el, ctx), ctx);
      if (el.text_size) md.classList.add('size-' + cssWord(el.text_size));
      if (el.text_align) md.classList.add('align-' + cssWord(el.text_align));
      return md;
    }
    case 'div': {
      const d = h('div', 'cdiv');
      if (el.text) d.appendChild(textBlock(el.text, ctx));
      for (const f of el.fields || []) d.appendChild(textBlock(f.text, ctx));
      return d;
    }
    case 'plain_text': return textBlock(el, ctx);
    case 'hr': return h('hr', 'chr');
    case 'column_set': return columnSet(el, ctx, form);
    case 'column': return columnSet({ columns: [el] }, ctx, form);
    case 'button': return button(el, ctx, form);
    case 'form': return formBox(el, ctx);
    case 'collapsible_panel': return panel(el, ctx, form);
    case 'chart': return chart(el, ctx);
    case 'table': return table(el, ctx);
    case 'person': case 'person_list': return person(el, ctx);
    case 'img': case 'image': {
      const d = h('div', 'img-ph', '🖼 ' + (txt(el.alt, ctx) || (ctx.lang === 'en_us' ? 'image' : '图片')));
      d.dataset.tag = el.tag;
      return d;
    }
    case 'select_static': case 'multi_select_static': case 'select_person': case 'multi_select_person':
    case 'date_picker': case 'picker_time': case 'picker_datetime': case 'input': case 'checker': case 'overflow':
      return fieldControl(el, ctx, form);
    default: return placeholder(el.tag, ctx);
  }
}

export function renderElements(list, ctx, form, parent) {
  for (const el of list || []) parent.appendChild(renderElement(el, ctx, form));
  return parent;
}

function header(hd, ctx) {
  const d = h('div', 'chead tpl-' + cssWord(hd.template || 'default'));
  d.appendChild(h('div', 'ctitle', txt(hd.title, ctx)));
  if (hd.subtitle) d.appendChild(h('div', 'csub', txt(hd.subtitle, ctx)));
  if ((hd.text_tag_list || []).length) {
    const tags = d.appendChild(h('div', 'ctags'));
    for (const t of hd.text_tag_list) tags.appendChild(h('span', 'ctag c-' + cssWord(t.color || 'neutral'), txt(t.text, ctx)));
  }
  return d;
}

// renderCard returns the card panel for a card JSON 2.0 object (1.0's top-level elements also render).
export function renderCard(card, ctx) {
  const root = h('div', 'card');
  if (!card || typeof card !== 'object') {
    root.appendChild(placeholder('card', ctx));
    return root;
  }
  const cfg = card.config || {};
  if (cfg.width_mode) root.classList.add('w-' + cssWord(cfg.width_mode));
  if (card.header) root.appendChild(header(card.header, ctx));
  const body = root.appendChild(h('div', 'cbody'));
  const elements = card.body ? card.body.elements : card.elements;
  renderElements(elements, ctx, null, body);
  return root;
}

// cardSummary is the chat-list preview of a card.
export function cardSummary(card, ctx) {
  const s = card && card.config && card.config.summary;
  if (s) return txt(s, ctx);
  return card && card.header ? txt(card.header.title, ctx) : (ctx.lang === 'en_us' ? '[Card]' : '[卡片]');
}
