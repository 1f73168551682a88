// Card input components: selects, person pickers, date and time pickers, inputs, checkers and overflow
// menus. Inside a form they only register themselves for the submit; outside one, a component with a
// callback fires on change the way the Lark client does.

import { h, txt, target, callback } from './card.js';

// zone is the client's UTC offset in Lark's picker format ("+0800"): Lark sends the user's own zone.
export function zone(d = new Date()) {
  const off = -d.getTimezoneOffset();
  const a = Math.abs(off);
  return (off >= 0 ? '+' : '-') + String(Math.floor(a / 60)).padStart(2, '0') + String(a % 60).padStart(2, '0');
}

function option(value, label, selected) {
  const o = h('option', '', label);
  o.value = value;
  o.selected = selected;
  return o;
}

function selectControl(el, ctx) {
  const multi = el.tag.startsWith('multi_');
  const isPerson = el.tag.endsWith('_person');
  const s = h('select', 'cselect');
  s.multiple = multi;
  const initial = [].concat(el.initial_option || el.initial_options || el.selected_values || []).map(String);
  if (!multi) {
    const ph = option('', txt(el.placeholder, ctx) || (ctx.lang === 'en_us' ? 'Select' : '请选择'), initial.length === 0);
    ph.disabled = el.required === true;
    s.appendChild(ph);
  }
  const opts = (el.options || []).map((o) => (isPerson ? { value: o.value, label: ctx.userName(o.value) } : { value: o.value, label: txt(o.text, ctx) || o.value }));
  if (isPerson && opts.length === 0) {
    // No options means every member of the chat can be picked.
    ctx.people.forEach((id) => opts.push({ value: id, label: ctx.userName(id) }));
  }
  opts.forEach((o) => s.appendChild(option(o.value, o.label, initial.includes(String(o.value)))));
  const get = () => (multi ? [...s.selectedOptions].map((o) => o.value) : s.value || undefined);
  return { node: s, get, fire: () => (multi ? { options: get() } : { option: s.value }) };
}

function pickerControl(el, ctx) {
  const kind = { date_picker: 'date', picker_time: 'time', picker_datetime: 'datetime-local' }[el.tag];
  const i = h('input', 'cpicker');
  i.type = kind;
  const initial = el.initial_date || el.initial_time || el.initial_datetime || '';
  i.value = kind === 'datetime-local' ? String(initial).replace(' ', 'T').slice(0, 16) : String(initial);
  i.title = txt(el.placeholder, ctx);
  i.setAttribute('aria-label', txt(el.placeholder, ctx));
  const get = () => (i.value ? i.value.replace('T', ' ') + ' ' + zone() : undefined);
  return { node: i, get, fire: () => ({ option: get() }) };
}

function inputControl(el, ctx) {
  const multiline = el.input_type === 'multiline_text';
  const i = h(multiline ? 'textarea' : 'input', 'cinput');
  if (!multiline) i.type = el.input_type === 'password' ? 'password' : 'text';
  else i.rows = el.rows || 2;
  i.placeholder = txt(el.placeholder, ctx);
  if (el.max_length) i.maxLength = el.max_length;
  const def = el.i18n_default_value ? txt({ i18n_content: el.i18n_default_value, content: el.default_value }, ctx) : el.default_value;
  if (def !== undefined) i.value = String(def);
  const get = () => (i.value !== '' ? i.value : undefined);
  return { node: i, get, fire: () => ({ input_value: i.value }) };
}

function checkerControl(el, ctx) {
  const l = h('label', 'cchecker');
  const c = l.appendChild(h('input'));
  c.type = 'checkbox';
  c.checked = el.checked === true;
  l.appendChild(h('span', '', txt(el.text, ctx)));
  return { node: l, input: c, get: () => c.checked, fire: () => ({}) };
}

function overflowControl(el, ctx) {
  const s = h('select', 'cselect overflow');
  s.appendChild(option('', '⋯', true));
  for (const o of el.options || []) s.appendChild(option(o.value, txt(o.text, ctx) || o.value, false));
  return { node: s, get: () => s.value || undefined, fire: () => ({ option: s.value }) };
}

// fieldControl renders an input component, registers it with its form, and wires its callback.
export function fieldControl(el, ctx, form) {
  let c;
  if (el.tag === 'input') c = inputControl(el, ctx);
  else if (el.tag === 'checker') c = checkerControl(el, ctx);
  else if (el.tag === 'overflow') c = overflowControl(el, ctx);
  else if (el.tag.includes('picker')) c = pickerControl(el, ctx);
  else c = selectControl(el, ctx);
  const wrap = h('div', 'field f-' + el.tag);
  // Browsers draw no placeholder in date and time inputs, so a picker shows its placeholder as a label.
  const label = el.label || (el.tag.includes('picker') ? el.placeholder : null);
  if (label) wrap.appendChild(h('div', 'flabel', txt(label, ctx)));
  wrap.appendChild(c.node);
  const control = c.input || c.node;
  control.name = el.name || '';
  control.dataset.target = target(el);
  control.disabled = el.disabled === true;
  if (el.required) wrap.classList.add('required');
  if (form) {
    form.fields.push({ name: el.name, required: el.required === true, label: txt(el.placeholder, ctx) || el.name, get: c.get, wrap });
    return wrap;
  }
  if (callback(el) || el.tag === 'overflow') {
    const fire = () => ctx.act({ target: target(el), ...c.fire() });
    if (el.tag === 'input') {
      control.addEventListener('keydown', (e) => {
        if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); fire(); }
      });
    } else {
      control.addEventListener('change', () => { if (control.value !== '' || el.tag === 'checker') fire(); });
    }
  }
  return wrap;
}

// collectForm reads a form's fields as Lark's form_value, and lists required fields left empty (the
// client blocks such a submit without calling the bot).
export function collectForm(form) {
  const values = {};
  const missing = [];
  for (const f of form.fields) {
    if (!f.name) continue;
    const v = f.get();
    const empty = v === undefined || (Array.isArray(v) && v.length === 0);
    f.wrap.classList.toggle('invalid', empty && f.required);
    if (!empty) values[f.name] = v;
    else if (f.required) missing.push(f.label);
  }
  return { values, missing };
}
