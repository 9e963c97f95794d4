// The console's entry point: sign-in, the navigation an admin's permissions
// allow, and hash routing (#/devices/ID), so every page is served as "/" and
// a reload keeps the page without the server knowing the console's routes.
// What the views share lives in state.js, so no view imports this file.
import { ApiError, get, post, setToken, token, whenUnauthenticated } from './api.js';
import { errorBox, h } from './dom.js';
import { deviceListView, deviceView } from './devices.js';
import { policyListView, policyView, policyEditView } from './policies.js';
import { enrollmentView, groupListView, groupView, rolesView } from './directory.js';
import { reportsView } from './reports.js';
import { auditView } from './audit.js';
import { accessView, adminTokensView } from './access.js';
import { P, onRefresh, session, startPage } from './state.js';

const SECTIONS = [
  { path: 'devices', title: 'Devices', permission: P.readDevices },
  { path: 'policies', title: 'Policies', permission: P.readPolicies },
  { path: 'groups', title: 'Groups', permission: P.readGroups },
  { path: 'roles', title: 'Roles', permission: P.readRoles },
  { path: 'reports', title: 'Reports', permission: P.readReports },
  { path: 'audit', title: 'Audit log', permission: P.readAudit },
  // Every admin may see and revoke its own sessions and API tokens.
  { path: 'access', title: 'Access', permission: null },
];

const ROUTES = [
  [/^devices$/, deviceListView],
  [/^enrollment$/, enrollmentView],
  [/^devices\/([^/]+)$/, deviceView],
  [/^policies$/, policyListView],
  [/^policies\/new$/, (q) => policyEditView(null, q)],
  [/^policies\/([^/]+)\/edit$/, (q, id) => policyEditView(id, q)],
  [/^policies\/([^/]+)$/, policyView],
  [/^groups$/, groupListView],
  [/^groups\/([^/]+)$/, groupView],
  [/^roles$/, rolesView],
  [/^reports$/, reportsView],
  [/^audit$/, auditView],
  [/^access$/, accessView],
  [/^access\/([^/]+)$/, adminTokensView],
];

function parseHash() {
  const raw = location.hash.replace(/^#\/?/, '');
  const [path, query = ''] = raw.split('?');
  return { path: decodeURIComponent(path), query: Object.fromEntries(new URLSearchParams(query)) };
}

function renderNav(active) {
  const nav = document.getElementById('nav');
  nav.replaceChildren(...SECTIONS.filter((s) => !s.permission || session.can(s.permission)).map((s) =>
    h('a', { href: `#/${s.path}`, class: active === s.path ? 'active' : null }, s.title)));
  const who = document.getElementById('who');
  who.replaceChildren(
    h('span', { 'data-testid': 'signed-in-as' }, session.me.displayName || session.me.userName),
    h('button', { onclick: signOut }, 'Sign out'));
}

async function signOut() {
  try { await post('/api/v1/logout'); } catch { /* the token may already be gone */ }
  setToken(null);
  session.me = null;
  location.hash = '#/login';
  render();
}

function loginView() {
  document.getElementById('nav').replaceChildren();
  document.getElementById('who').replaceChildren();
  const error = h('p', { class: 'form-error', role: 'alert' });
  const user = h('input', { id: 'login-user', name: 'username', autocomplete: 'username', required: true });
  const password = h('input', { id: 'login-password', name: 'password', type: 'password',
                                autocomplete: 'current-password', required: true });
  const form = h('form', { class: 'panel login', 'aria-label': 'Sign in' },
    h('h1', {}, 'Sign in to OpenLAPS'),
    h('label', { for: 'login-user' }, 'User name'), user,
    h('label', { for: 'login-password' }, 'Password'), password,
    error,
    h('div', { class: 'actions' }, h('button', { class: 'primary', type: 'submit' }, 'Sign in')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    try {
      const reply = await post('/api/v1/login', { userName: user.value, password: password.value });
      password.value = '';
      setToken(reply.access_token);
      session.me = null;
      location.hash = '#/devices';
      await render();
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) error.textContent = 'The user name or password is incorrect.';
      else if (e instanceof ApiError && e.status === 429) error.textContent = 'Too many failed sign-ins. Try again later, or ask an administrator to clear the lockout.';
      else error.textContent = e.message;
    }
  });
  return form;
}

async function render() {
  const signal = startPage();
  const view = document.getElementById('view');
  const { path, query } = parseHash();
  if (!token() || path === 'login') {
    if (token() && path === 'login') { location.hash = '#/devices'; return; }
    view.replaceChildren(loginView());
    document.getElementById('login-user').focus();
    return;
  }
  try {
    if (!session.me) session.me = await get('/api/v1/me');
  } catch (e) {
    if (!token()) return render();
    view.replaceChildren(errorBox(e));
    return;
  }
  const first = SECTIONS.find((s) => session.can(s.permission));
  if (!path) { location.hash = `#/${first ? first.path : 'access'}`; return; }
  renderNav(path.split('/')[0]);
  const section = SECTIONS.find((s) => s.path === path.split('/')[0]);
  document.title = section ? `${section.title} · OpenLAPS` : 'OpenLAPS';
  const route = ROUTES.find(([pattern]) => pattern.test(path));
  if (!route) { view.replaceChildren(errorBox(new Error(`There is no page at #/${path}.`))); return; }
  const args = path.match(route[0]).slice(1).map(decodeURIComponent);
  view.setAttribute('aria-busy', 'true');
  try {
    const node = await route[1](query, ...args);
    if (!signal.aborted) view.replaceChildren(node);
  } catch (e) {
    if (!signal.aborted) view.replaceChildren(errorBox(e));
  } finally {
    if (!signal.aborted) view.removeAttribute('aria-busy');
  }
}

onRefresh(render);
whenUnauthenticated(() => { session.me = null; location.hash = '#/login'; });
window.addEventListener('hashchange', render);
render();
