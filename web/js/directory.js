// Groups with their members, and access: role definitions, role
// assignments and scope tags.
import { api, get, getAll, post } from './api.js';
import { h, panel, pill, table, utc } from './dom.js';
import { navigate, P, refresh, session } from './state.js';

export async function groupListView() {
  const groups = await getAll('/v1.0/groups?$orderby=displayName');
  let form = null;
  if (session.can(P.manageGroups)) {
    const name = h('input', { name: 'displayName', 'aria-label': 'Group name', placeholder: 'Group name', required: true });
    const kind = h('select', { name: 'kind', 'aria-label': 'Group kind' },
      h('option', { value: 'device' }, 'Device group'), h('option', { value: 'user' }, 'User group'));
    const description = h('input', { name: 'description', 'aria-label': 'Description', placeholder: 'Description' });
    const error = h('span', { class: 'form-error', role: 'alert' });
    form = h('form', { class: 'toolbar', 'aria-label': 'Create group' }, name, kind, description,
      h('button', { type: 'submit', class: 'primary' }, 'Create group'), error);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      try {
        const g = await post('/v1.0/groups', { displayName: name.value.trim(), description: description.value, openlapsGroupKind: kind.value });
        navigate(`groups/${g.id}`);
      } catch (e) { error.textContent = e.message; }
    });
  }
  return h('div', {}, h('h1', {}, 'Groups'), form,
    table([
      { title: 'Name', cell: (g) => h('a', { href: `#/groups/${g.id}` }, g.displayName) },
      { title: 'Kind', cell: (g) => g.openlapsGroupKind },
      { title: 'Members', cell: (g) => String(g.memberCount) },
      { title: 'Description', cell: (g) => g.description || '' },
    ], groups, { empty: 'No groups yet.', label: 'Groups' }));
}

export async function groupView(_query, id) {
  const [group, members] = await Promise.all([
    get(`/v1.0/groups/${encodeURIComponent(id)}`), get(`/v1.0/groups/${encodeURIComponent(id)}/members`).then((r) => r.value)]);
  const manage = session.can(P.manageGroups);
  const error = h('span', { class: 'form-error', role: 'alert' });
  let form = null;
  if (manage) {
    const candidates = group.openlapsGroupKind === 'device'
      ? (session.can(P.readDevices) ? (await getAll('/beta/deviceManagement/managedDevices?$orderby=deviceName')).map((d) => [d.id, d.deviceName]) : [])
      : (await getAll('/v1.0/users')).map((u) => [u.id, u.userPrincipalName]);
    const select = h('select', { name: 'member', 'aria-label': 'Member to add' },
      candidates.filter(([cid]) => !members.some((m) => m.id === cid)).map(([cid, label]) => h('option', { value: cid }, label)));
    form = h('form', { class: 'toolbar', 'aria-label': 'Add member' }, select, h('button', { type: 'submit' }, 'Add member'), error);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      if (!select.value) return;
      try {
        await post(`/v1.0/groups/${encodeURIComponent(id)}/members/$ref`, { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${select.value}` });
        await refresh();
      } catch (e) { error.textContent = e.message; }
    });
  }
  const memberLink = (m) => (m['@odata.type'] === '#microsoft.graph.device'
    ? h('a', { href: `#/devices/${m.id}` }, m.displayName) : m.userPrincipalName || m.displayName);
  return h('div', {},
    h('p', {}, h('a', { href: '#/groups' }, '← Groups')),
    h('h1', {}, group.displayName),
    h('p', { class: 'muted' }, `${group.openlapsGroupKind === 'device' ? 'Device' : 'User'} group. ${group.description || ''}`),
    panel('Members', form, table([
      { title: 'Member', cell: memberLink },
      { title: '', cell: (m) => (manage ? h('button', {
        onclick: async () => {
          try { await api('DELETE', `/v1.0/groups/${encodeURIComponent(id)}/members/${encodeURIComponent(m.id)}/$ref`); await refresh(); } catch (e) { error.textContent = e.message; }
        },
      }, 'Remove') : '') },
    ], members, { empty: 'No members.', label: 'Members' })));
}

export async function rolesView() {
  const [roles, assignments, tags] = await Promise.all([
    get('/beta/deviceManagement/roleDefinitions').then((r) => r.value),
    get('/beta/deviceManagement/roleAssignments').then((r) => r.value),
    get('/beta/deviceManagement/roleScopeTags').then((r) => r.value)]);
  const roleName = (rid) => roles.find((r) => r.id === rid)?.displayName || rid;
  const tagName = (tid) => tags.find((t) => t.id === tid)?.displayName || tid;
  const manage = session.can(P.manageRoles);
  let tagForm = null;
  if (manage) {
    const name = h('input', { name: 'displayName', 'aria-label': 'Scope tag name', placeholder: 'Scope tag name' });
    const description = h('input', { name: 'description', 'aria-label': 'Scope tag description', placeholder: 'Description' });
    const error = h('span', { class: 'form-error', role: 'alert' });
    tagForm = h('form', { class: 'toolbar', 'aria-label': 'Create scope tag' }, name, description,
      h('button', { type: 'submit' }, 'Create scope tag'), error);
    tagForm.addEventListener('submit', async (event) => {
      event.preventDefault();
      try { await post('/beta/deviceManagement/roleScopeTags', { displayName: name.value.trim(), description: description.value }); await refresh(); } catch (e) { error.textContent = e.message; }
    });
  }
  let adminForm = null;
  let assignmentForm = null;
  if (manage) {
    adminForm = createAdminForm();
    assignmentForm = createAssignmentForm(roles, tags);
  }
  return h('div', {}, h('h1', {}, 'Roles and scope tags'),
    manage ? panel('Administrators', adminForm) : null,
    panel('Role definitions', table([
      { title: 'Role', cell: (r) => [r.displayName, ' ', r.isBuiltIn ? pill('built-in', '') : null] },
      { title: 'Description', cell: (r) => r.description },
      { title: 'Permissions', cell: (r) => h('ul', {}, r.rolePermissions.flatMap((p) => p.allowedResourceActions).map((a) => h('li', { class: 'mono' }, a))) },
    ], roles, { label: 'Role definitions' })),
    panel('Role assignments', assignmentForm, table([
      { title: 'Assignment', cell: (a) => a.displayName },
      { title: 'Role', cell: (a) => roleName(a.roleDefinitionId) },
      { title: 'Administrators', cell: (a) => a.members.join(', ') },
      { title: 'Scope tags', cell: (a) => (a.roleScopeTagIds.length ? a.roleScopeTagIds.map(tagName).join(', ') : 'All') },
    ], assignments, { label: 'Role assignments' })),
    panel('Scope tags', tagForm, table([
      { title: 'Id', cell: (t) => t.id },
      { title: 'Name', cell: (t) => t.displayName },
      { title: 'Description', cell: (t) => t.description || '' },
    ], tags, { label: 'Scope tags' })));
}

// A new administrator signs in with this user name and password; what they
// may do comes from a role assignment.
function createAdminForm() {
  const userName = h('input', { name: 'userName', 'aria-label': 'Administrator user name', placeholder: 'User name', autocomplete: 'off' });
  const displayName = h('input', { name: 'displayName', 'aria-label': 'Administrator display name', placeholder: 'Display name' });
  const password = h('input', { name: 'password', type: 'password', 'aria-label': 'Administrator password',
                                placeholder: 'Password (12+ characters)', autocomplete: 'new-password' });
  const message = h('span', { role: 'status' });
  const form = h('form', { class: 'toolbar', 'aria-label': 'Create administrator' }, userName, displayName, password,
    h('button', { type: 'submit' }, 'Create administrator'), message);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    message.className = '';
    try {
      const created = await post('/api/v1/admins', { userName: userName.value.trim(), displayName: displayName.value.trim() || undefined, password: password.value });
      password.value = '';
      message.textContent = `Created ${created.userName}. Assign a role below.`;
    } catch (e) {
      message.className = 'form-error';
      message.textContent = e.message;
    }
  });
  return form;
}

function createAssignmentForm(roles, tags) {
  const name = h('input', { name: 'displayName', 'aria-label': 'Assignment name', placeholder: 'Assignment name' });
  const role = h('select', { name: 'role', 'aria-label': 'Role' }, roles.map((r) => h('option', { value: r.id }, r.displayName)));
  const members = h('input', { name: 'members', 'aria-label': 'Administrators (user names, comma-separated)', placeholder: 'admin user names, comma-separated' });
  const tagBoxes = tags.map((t) => h('label', {}, h('input', { type: 'checkbox', name: 'assignmentTag', value: t.id }), ` ${t.displayName}`));
  const error = h('span', { class: 'form-error', role: 'alert' });
  const form = h('form', { 'aria-label': 'Create role assignment' },
    h('div', { class: 'toolbar' }, name, role, members),
    h('div', { class: 'toolbar' }, h('span', { class: 'muted' }, 'Scope tags (none: everything):'), tagBoxes),
    h('div', { class: 'toolbar' }, h('button', { type: 'submit' }, 'Create role assignment'), error));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    try {
      await post('/beta/deviceManagement/roleAssignments', {
        displayName: name.value.trim(),
        roleDefinitionId: role.value,
        members: members.value.split(',').map((m) => m.trim()).filter(Boolean),
        roleScopeTagIds: tagBoxes.map((l) => l.querySelector('input')).filter((i) => i.checked).map((i) => i.value),
      });
      await refresh();
    } catch (e) { error.textContent = e.message; }
  });
  return form;
}

// Enrollment tokens: a device runs `laps-agent enroll --token` with one.
// The secret is shown once, right after it is made.
export async function enrollmentView() {
  const [tokens, groups] = await Promise.all([
    get('/api/v1/enrollmentTokens').then((r) => r.value),
    session.can(P.readGroups) ? getAll('/v1.0/groups') : Promise.resolve([]),
  ]);
  const name = h('input', { name: 'name', 'aria-label': 'Token name', placeholder: 'Token name' });
  const uses = h('input', { name: 'uses', type: 'number', min: 1, value: '1', 'aria-label': 'Uses' });
  const hours = h('input', { name: 'hours', type: 'number', min: 1, value: '24', 'aria-label': 'Valid for hours' });
  const groupBoxes = groups.filter((g) => g.openlapsGroupKind === 'device')
    .map((g) => h('label', {}, h('input', { type: 'checkbox', value: g.id }), ` ${g.displayName}`));
  const created = h('div', { 'aria-live': 'polite' });
  const error = h('span', { class: 'form-error', role: 'alert' });
  const form = h('form', { 'aria-label': 'Create enrollment token' },
    h('div', { class: 'toolbar' }, name, h('label', {}, 'Uses ', uses), h('label', {}, 'Valid for (hours) ', hours)),
    groupBoxes.length ? h('div', { class: 'toolbar' }, h('span', { class: 'muted' }, 'Add enrolled devices to:'), groupBoxes) : null,
    h('div', { class: 'toolbar' }, h('button', { type: 'submit', class: 'primary' }, 'Create enrollment token'), error));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    try {
      const t = await post('/api/v1/enrollmentTokens', {
        name: name.value.trim() || 'enrollment', uses: Number(uses.value), expiresInHours: Number(hours.value),
        groupIds: groupBoxes.map((l) => l.querySelector('input')).filter((i) => i.checked).map((i) => i.value),
      });
      // Over plain http the agent wants to be told it is a lab.
      const insecure = location.protocol === 'http:' ? ' --insecure-http' : '';
      const command = `laps-agent enroll --server ${location.origin} --token ${t.token}${insecure}`;
      created.replaceChildren(h('div', { class: 'banner done' },
        h('p', {}, `Token ${t.name} made; it is shown only now. On each device run:`),
        h('p', { class: 'mono', 'data-testid': 'enroll-command' }, command),
        h('button', { type: 'button', onclick: () => navigator.clipboard.writeText(command) }, 'Copy command')));
    } catch (e) { error.textContent = e.message; }
  });
  return h('div', {}, h('p', {}, h('a', { href: '#/devices' }, '← Devices')), h('h1', {}, 'Enroll devices'),
    panel('New enrollment token', form, created),
    panel('Enrollment tokens', table([
      { title: 'Name', cell: (t) => t.name },
      { title: 'Uses left', cell: (t) => String(t.usesLeft) },
      { title: 'Expires', cell: (t) => utc(t.expirationDateTime) },
      { title: 'State', cell: (t) => (t.expired ? pill('expired', 'failed') : pill('valid', 'ok')) },
    ], tokens, { empty: 'No enrollment tokens.', label: 'Enrollment tokens' })));
}
