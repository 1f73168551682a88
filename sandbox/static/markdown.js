// The subset of Lark card markdown Baton writes (bold, italics, strike, code, links, lists, headings,
// quotes, rules, simple tables, <at> mentions, <font> colours), built as DOM nodes. Nothing from a card
// ever reaches innerHTML: text goes in through text nodes, and links keep only http(s) and lark URLs.

const INLINE = new RegExp([
  /<at\s+(?:id|user_id|open_id|email)=["']?([^"'\s>]+)["']?\s*>[^<]*<\/at>/.source, // 1 mention
  /\*\*([^*]+?)\*\*/.source, // 2 bold
  /~~([^~]+?)~~/.source, // 3 strike
  /`([^`]+)`/.source, // 4 code
  /\[([^\]]+)\]\(([^)\s]+)\)/.source, // 5, 6 link
  /<font\s+color=["']?([\w-]+)["']?\s*>(.*?)<\/font>/.source, // 7, 8 colour
  /\*([^*\s][^*]*?)\*/.source, // 9 italic
].join('|'), 'g');

export function safeURL(u) {
  try {
    const url = new URL(u, window.location.href);
    return ['http:', 'https:', 'lark:', 'feishu:'].includes(url.protocol) ? url.href : null;
  } catch {
    return null;
  }
}

// inline appends the inline markdown of s to parent.
export function inline(parent, s, ctx) {
  // A fresh regexp per call: inline recurses for nested styles, and a shared lastIndex would restart the scan.
  const re = new RegExp(INLINE.source, 'g');
  let last = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    if (m.index > last) parent.appendChild(document.createTextNode(s.slice(last, m.index)));
    last = re.lastIndex;
    if (m[1] !== undefined) {
      const at = document.createElement('span');
      at.className = 'mention';
      at.dataset.openId = m[1];
      at.textContent = '@' + (m[1] === 'all' ? (ctx.lang === 'en_us' ? 'All' : '所有人') : ctx.userName(m[1]));
      parent.appendChild(at);
    } else if (m[2] !== undefined) {
      inline(parent.appendChild(document.createElement('strong')), m[2], ctx);
    } else if (m[3] !== undefined) {
      inline(parent.appendChild(document.createElement('del')), m[3], ctx);
    } else if (m[4] !== undefined) {
      parent.appendChild(document.createElement('code')).textContent = m[4];
    } else if (m[5] !== undefined) {
      const href = safeURL(m[6]);
      const a = document.createElement(href ? 'a' : 'span');
      if (href) {
        a.href = href;
        a.target = '_blank';
        a.rel = 'noopener noreferrer';
      }
      inline(a, m[5], ctx);
      parent.appendChild(a);
    } else if (m[7] !== undefined) {
      const f = document.createElement('span');
      f.className = 'font-' + m[7].replace(/[^\w-]/g, '');
      inline(f, m[8], ctx);
      parent.appendChild(f);
    } else if (m[9] !== undefined) {
      inline(parent.appendChild(document.createElement('em')), m[9], ctx);
    }
  }
  if (last < s.length) parent.appendChild(document.createTextNode(s.slice(last)));
}

function tableRow(line) {
  return line.trim().replace(/^\||\|$/g, '').split('|').map((c) => c.trim());
}

// renderMarkdown returns an element holding the rendered markdown.
export function renderMarkdown(src, ctx) {
  const root = document.createElement('div');
  root.className = 'md';
  const lines = String(src || '').split('\n');
  let para = null;
  let list = null;
  const closeBlocks = () => { para = null; list = null; };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    let m;
    if (line.trim() === '') {
      closeBlocks();
    } else if (line.trim().startsWith('```')) {
      closeBlocks();
      const pre = root.appendChild(document.createElement('pre'));
      const body = [];
      for (i++; i < lines.length && !lines[i].trim().startsWith('```'); i++) body.push(lines[i]);
      pre.textContent = body.join('\n');
    } else if ((m = /^(#{1,6})\s+(.*)$/.exec(line))) {
      closeBlocks();
      inline(root.appendChild(document.createElement('h' + Math.min(m[1].length + 2, 6))), m[2], ctx);
    } else if (/^\s*(-{3,}|\*{3,})\s*$/.test(line)) {
      closeBlocks();
      root.appendChild(document.createElement('hr'));
    } else if ((m = /^\s*>\s?(.*)$/.exec(line))) {
      closeBlocks();
      inline(root.appendChild(document.createElement('blockquote')), m[1], ctx);
    } else if (/^\s*\|.*\|\s*$/.test(line) && i + 1 < lines.length && /^\s*\|[\s:|-]+\|\s*$/.test(lines[i + 1])) {
      closeBlocks();
      const table = root.appendChild(document.createElement('table'));
      const head = table.appendChild(document.createElement('tr'));
      tableRow(line).forEach((c) => inline(head.appendChild(document.createElement('th')), c, ctx));
      for (i += 2; i < lines.length && /^\s*\|.*\|\s*$/.test(lines[i]); i++) {
        const tr = table.appendChild(document.createElement('tr'));
        tableRow(lines[i]).forEach((c) => inline(tr.appendChild(document.createElement('td')), c, ctx));
      }
      i--;
    } else if ((m = /^\s*(?:([-*+])|(\d+)[.)])\s+(.*)$/.exec(line))) {
      const tag = m[1] ? 'ul' : 'ol';
      if (!list || list.tagName.toLowerCase() !== tag) {
        para = null;
        list = root.appendChild(document.createElement(tag));
      }
      inline(list.appendChild(document.createElement('li')), m[3], ctx);
    } else {
      list = null;
      if (para) para.appendChild(document.createElement('br'));
      else para = root.appendChild(document.createElement('p'));
      inline(para, line, ctx);
    }
  }
  return root;
}
