// Building DOM without innerHTML: every value from the API lands in a text
// node or an attribute, so a device named "<img onerror=...>" stays text.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = value;
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key === 'value') el.value = value;
    else if (key === 'checked') el.checked = value;
    else el.setAttribute(key, value === true ? '' : value);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

const SVG_NS = 'http://www.w3.org/2000/svg';
export function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === 'text') el.textContent = value;
    else el.setAttribute(key, value);
  }
  append(el, children);
  return el;
}

// "2026-11-25 10:42 UTC"; "—" for nothing. Times stay in UTC on purpose:
// admins compare them with agent logs and other regions.
export function utc(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export function pill(text, kind = text) { return h('span', { class: `pill ${kind}` }, text); }

export function table(columns, rows, { empty = 'Nothing to show.', label } = {}) {
  if (rows.length === 0) return h('p', { class: 'muted' }, empty);
  return h('table', { 'aria-label': label },
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col' }, c.title)))),
    h('tbody', {}, rows.map((row) => h('tr', {}, columns.map((c) => h('td', {}, c.cell(row)))))));
}

export function panel(title, ...children) {
  return h('section', { class: 'panel', 'aria-label': title }, title ? h('h2', {}, title) : null, children);
}

let toastTimer;
export function toast(message) {
  const el = document.getElementById('toast');
  el.textContent = message;
  el.classList.add('show');
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => el.classList.remove('show'), 2500);
}

// A modal question; resolves true when confirmed.
export function confirmDialog(title, text, confirmLabel, { danger = false } = {}) {
  return new Promise((resolve) => {
    const dialog = h('dialog', { 'aria-label': title },
      h('h2', {}, title), h('p', {}, text),
      h('div', { class: 'actions' },
        h('button', { class: danger ? 'danger' : 'primary', value: 'yes', onclick: () => dialog.close('yes') }, confirmLabel),
        h('button', { value: 'no', onclick: () => dialog.close('no') }, 'Cancel')));
    dialog.addEventListener('close', () => { dialog.remove(); resolve(dialog.returnValue === 'yes'); });
    document.body.append(dialog);
    dialog.showModal();
  });
}

export function errorBox(error) {
  return h('div', { class: 'banner error', role: 'alert' }, error.message || String(error));
}
