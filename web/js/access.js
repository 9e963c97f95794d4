// Taking access back: your own sessions and API tokens (revoke one, or sign
// out everywhere); for role managers, administrators (disable, enable,
// delete, revoke their tokens), role assignments and sign-in lockouts.
// lapsd checks every right again; these buttons only mirror them.
import { api, get, post } from './api.js';
import { confirmDialog, h, panel, pill, table, toast, utc } from './dom.js';
import { P, refresh, session } from './state.js';

const enc = encodeURIComponent;

function failed(error) { toast(error.message); }

function tokenTable(adminId, tokens) {
  return table([
    { title: 'Kind', cell: (t) => (t.kind === 'apiToken' ? 'API token' : 'Session') },
    { title: 'Name', cell: (t) => t.name || '—' },
    { title: 'Created', cell: (t) => utc(t.createdDateTime) },
    { title: 'Expires', cell: (t) => utc(t.expirationDateTime) },
    { title: '', cell: (t) => (t.isCurrent ? pill('this session', 'ok') : '') },
    { title: 'Action', cell: (t) => h('button', { class: 'danger', onclick: async () => {
      if (!await confirmDialog('Revoke token', `Revoke this ${t.kind === 'apiToken' ? 'API token' : 'session'}? It stops working on its next request.`, 'Revoke', { danger: true })) return;
      try { await api('DELETE', `/api/v1/admins/${enc(adminId)}/tokens/${enc(t.id)}`); toast('Revoked.'); await refresh(); } catch (e) { failed(e); }
    } }, 'Revoke') },
  ], tokens, { empty: 'No sessions or API tokens.', label: 'Tokens' });
}

function signOutEverywhereButton(adminId, label) {
  return h('button', { class: 'danger', onclick: async () => {
    if (!await confirmDialog('Revoke every session', `${label}: every session and API token stops working on its next request.`, 'Revoke all', { danger: true })) return;
    try {
      const reply = await post(`/api/v1/admins/${enc(adminId)}/revokeSignInSessions`);
      toast(`Revoked ${reply.revokedTokens} sessions and API tokens.`);
      await refresh();
    } catch (e) { failed(e); }
  } }, label);
}

async function adminsPanel() {
  const admins = (await get('/api/v1/admins')).value;
  const manage = session.can(P.manageRoles);
  const setEnabled = async (a, enabled) => {
    if (!enabled && !await confirmDialog('Disable administrator', `Disable ${a.userName}? Its sessions and API tokens are revoked at once.`, 'Disable', { danger: true })) return;
    try { await api('PATCH', `/api/v1/admins/${enc(a.id)}`, { accountEnabled: enabled }); await refresh(); } catch (e) { failed(e); }
  };
  const remove = async (a) => {
    if (!await confirmDialog('Delete administrator', `Delete ${a.userName} with its tokens and role memberships?`, 'Delete', { danger: true })) return;
    try { await api('DELETE', `/api/v1/admins/${enc(a.id)}`); await refresh(); } catch (e) { failed(e); }
  };
  return panel('Administrators', table([
    { title: 'User', cell: (a) => a.userName },
    { title: 'Name', cell: (a) => a.displayName },
    { title: 'State', cell: (a) => (a.accountEnabled ? pill('enabled', 'ok') : pill('disabled', 'error')) },
    { title: 'Created', cell: (a) => utc(a.createdDateTime) },
    { title: 'Actions', cell: (a) => (manage ? h('div', { class: 'actions' },
      h('a', { href: `#/access/${enc(a.id)}` }, 'Tokens'),
      a.accountEnabled ? h('button', { onclick: () => setEnabled(a, false) }, 'Disable')
        : h('button', { onclick: () => setEnabled(a, true) }, 'Enable'),
      h('button', { class: 'danger', onclick: () => remove(a) }, 'Delete')) : '') },
  ], admins, { label: 'Administrators' }));
}

async function assignmentsPanel() {
  const [assignments, roles] = await Promise.all([
    get('/beta/deviceManagement/roleAssignments').then((r) => r.value),
    get('/beta/deviceManagement/roleDefinitions').then((r) => r.value)]);
  const roleName = (id) => (roles.find((r) => r.id === id) || {}).displayName || id;
  return panel('Role assignments', table([
    { title: 'Name', cell: (a) => a.displayName },
    { title: 'Role', cell: (a) => roleName(a.roleDefinitionId) },
    { title: 'Members', cell: (a) => (a.members || []).join(', ') },
    { title: 'Scope tags', cell: (a) => ((a.roleScopeTagIds || []).length ? a.roleScopeTagIds.join(', ') : '(all)') },
    { title: 'Action', cell: (a) => h('button', { class: 'danger', onclick: async () => {
      if (!await confirmDialog('Delete role assignment', `Delete "${a.displayName}"? Its members lose these rights on their next request.`, 'Delete', { danger: true })) return;
      try { await api('DELETE', `/beta/deviceManagement/roleAssignments/${enc(a.id)}`); await refresh(); } catch (e) { failed(e); }
    } }, 'Delete') },
  ], assignments, { empty: 'No role assignments.', label: 'Role assignments' }));
}

async function lockoutsPanel() {
  const lockouts = (await get('/api/v1/signInLockouts')).value;
  return panel('Sign-in lockouts', table([
    { title: 'Account or address', cell: (l) => l.id },
    { title: 'Failures', cell: (l) => String(l.failures) },
    { title: 'Locked until', cell: (l) => utc(l.lockedUntilDateTime) },
    { title: 'Action', cell: (l) => h('button', { onclick: async () => {
      try { await api('DELETE', `/api/v1/signInLockouts/${enc(l.id)}`); toast('Lockout cleared.'); await refresh(); } catch (e) { failed(e); }
    } }, 'Clear') },
  ], lockouts, { empty: 'Nobody is locked out.', label: 'Sign-in lockouts' }));
}

export async function accessView() {
  const mine = (await get('/api/v1/admins/me/tokens')).value;
  const sections = [
    h('h1', {}, 'Access'),
    panel('Your sessions and API tokens',
      h('div', { class: 'toolbar' }, signOutEverywhereButton('me', 'Sign out everywhere')),
      tokenTable('me', mine)),
  ];
  if (session.can(P.readRoles)) sections.push(await adminsPanel());
  if (session.can(P.manageRoles)) sections.push(await assignmentsPanel(), await lockoutsPanel());
  return h('div', {}, sections);
}

export async function adminTokensView(_query, id) {
  const [admins, tokens] = await Promise.all([
    get('/api/v1/admins').then((r) => r.value),
    get(`/api/v1/admins/${enc(id)}/tokens`).then((r) => r.value)]);
  const admin = admins.find((a) => a.id === id) || { userName: id };
  return h('div', {},
    h('p', {}, h('a', { href: '#/access' }, '← Access')),
    h('h1', {}, `Tokens of ${admin.userName}`),
    panel('Sessions and API tokens',
      h('div', { class: 'toolbar' }, signOutEverywhereButton(id, 'Revoke every session')),
      tokenTable(id, tokens)));
}
