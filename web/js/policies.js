// LAPS policies: the list, one policy (settings, assignments, per-device
// status with conflicts) and the create/edit form drawn from lapsd's own
// setting definitions, with validation messages next to each setting.
import { ApiError, api, get, getAll, post } from './api.js';
import { confirmDialog, h, panel, pill, table, utc } from './dom.js';
import { navigate, P, refresh, session } from './state.js';

const POLICIES = '/beta/deviceManagement/configurationPolicies';
const TEMPLATE_ID = 'adc46e5a-f4aa-4ff6-aeff-4f27bc525796_1';
const PLATFORMS = [['windows10', 'Windows'], ['linux', 'Linux'], ['macOS', 'macOS']];
const STATES = ['succeeded', 'error', 'conflict', 'pending', 'notApplicable'];
// When a configured setting is used at all (lapsd reports the others as
// ignored on the policy page).
const APPLIES_WHEN = {
  activeDirectoryOnly: 'Used only when BackupDirectory is 2 (Active Directory).',
  passwordComplexity: 'Used only with PasswordComplexity 1-5.',
  passphraseComplexity: 'Used only with PasswordComplexity 6-8 (passphrases).',
  automaticAccount: 'Used only when AutomaticAccountManagementEnabled is on.',
  notAutomaticAccount: 'Used only when AutomaticAccountManagementEnabled is off.',
};

export async function policyListView() {
  const policies = await getAll(`${POLICIES}?$orderby=name`);
  return h('div', {},
    h('div', { class: 'toolbar' }, h('h1', {}, 'Policies'), h('span', { class: 'spacer' }),
      session.can(P.managePolicies) ? h('a', { class: 'button primary', href: '#/policies/new' }, 'Create policy') : null),
    table([
      { title: 'Name', cell: (p) => h('a', { href: `#/policies/${p.id}` }, p.name) },
      { title: 'Platforms', cell: (p) => p.platforms },
      { title: 'Settings', cell: (p) => String(p.settingCount) },
      { title: 'Assigned', cell: (p) => (p.isAssigned ? 'Yes' : 'No') },
      { title: 'Scope tags', cell: (p) => (p.roleScopeTagIds || []).join(', ') },
      { title: 'Modified', cell: (p) => utc(p.lastModifiedDateTime) },
    ], policies, { empty: 'No policies yet.', label: 'Policies' }));
}

function settingLabel(definitions, key) {
  const d = definitions.find((x) => x.key === key);
  return d ? d.cspName : key;
}

export async function policyView(_query, id) {
  const [policy, definitions, assignments, statuses, groups] = await Promise.all([
    get(`${POLICIES}/${encodeURIComponent(id)}`),
    get('/api/v1/policySettingDefinitions').then((r) => r.value),
    get(`${POLICIES}/${encodeURIComponent(id)}/assignments`).then((r) => r.value),
    get(`${POLICIES}/${encodeURIComponent(id)}/deviceStatuses`),
    session.can(P.readGroups) ? getAll('/v1.0/groups') : Promise.resolve([]),
  ]);
  const manage = session.can(P.managePolicies);
  const groupName = (gid) => groups.find((g) => g.id === gid)?.displayName || gid;
  const settings = Object.entries(policy.lapsSettings || {});
  const ignored = policy.openlapsIgnoredSettings || [];

  const overview = panel('Overview', h('dl', { class: 'facts' },
    h('dt', {}, 'Description'), h('dd', {}, policy.description || '—'),
    h('dt', {}, 'Platforms'), h('dd', {}, policy.platforms),
    h('dt', {}, 'Scope tags'), h('dd', {}, (policy.roleScopeTagIds || []).join(', ')),
    h('dt', {}, 'Version'), h('dd', {}, String(policy.version)),
    h('dt', {}, 'Created'), h('dd', {}, utc(policy.createdDateTime)),
    h('dt', {}, 'Modified'), h('dd', {}, utc(policy.lastModifiedDateTime))));
  const settingsPanel = panel('Settings',
    table([
      { title: 'Setting', cell: ([k]) => settingLabel(definitions, k) },
      { title: 'Value', cell: ([, v]) => String(v) },
      { title: 'Help', cell: ([k]) => h('span', { class: 'muted' }, definitions.find((d) => d.key === k)?.help || '') },
    ], settings, { empty: 'No setting configured.', label: 'Configured settings' }),
    ignored.length ? h('ul', { class: 'muted' }, ignored.map((m) => h('li', {}, m))) : null);

  // Assignments: the whole list is sent on every change, as Graph's assign does.
  const sendAssignments = async (list) => {
    await post(`${POLICIES}/${encodeURIComponent(id)}/assign`, { assignments: list.map((a) => ({ target: a.target })) });
    await refresh();
  };
  const assignError = h('p', { class: 'form-error', role: 'alert' });
  const assignmentRows = table([
    { title: 'Group', cell: (a) => h('a', { href: `#/groups/${a.target.groupId}` }, groupName(a.target.groupId)) },
    { title: 'Mode', cell: (a) => (a.target['@odata.type'].includes('exclusion') ? 'Exclude' : 'Include') },
    { title: '', cell: (a) => (manage ? h('button', {
      onclick: () => sendAssignments(assignments.filter((x) => x !== a)).catch((e) => { assignError.textContent = e.message; }),
    }, 'Remove') : '') },
  ], assignments, { empty: 'Not assigned to any group.', label: 'Assignments' });
  let assignForm = null;
  if (manage) {
    const groupSelect = h('select', { name: 'group', 'aria-label': 'Group to assign' },
      groups.filter((g) => !assignments.some((a) => a.target.groupId === g.id))
        .map((g) => h('option', { value: g.id }, `${g.displayName} (${g.openlapsGroupKind})`)));
    const mode = h('select', { name: 'mode', 'aria-label': 'Assignment mode' },
      h('option', { value: 'include' }, 'Include'), h('option', { value: 'exclude' }, 'Exclude'));
    assignForm = h('form', { class: 'toolbar' }, groupSelect, mode, h('button', { type: 'submit' }, 'Assign'));
    assignForm.addEventListener('submit', (event) => {
      event.preventDefault();
      if (!groupSelect.value) return;
      const type = mode.value === 'include' ? '#microsoft.graph.groupAssignmentTarget'
                                            : '#microsoft.graph.exclusionGroupAssignmentTarget';
      sendAssignments([...assignments, { target: { '@odata.type': type, groupId: groupSelect.value } }])
        .catch((e) => { assignError.textContent = e.message; });
    });
  }
  const assignmentsPanel = panel('Assignments', assignmentRows, assignForm, assignError);

  const counts = statuses.openlapsCounts || {};
  const statusPanel = panel('Device status',
    h('div', { class: 'counts', 'data-testid': 'status-counts' },
      STATES.map((s) => pill(`${s}: ${counts[s] || 0}`, (counts[s] || 0) > 0 ? s : ''))),
    h('br'),
    table([
      { title: 'Device', cell: (s) => h('a', { href: `#/devices/${s.deviceId}` }, s.deviceDisplayName) },
      { title: 'Status', cell: (s) => pill(s.status) },
      { title: 'Detail', cell: (s) => s.detail || '' },
      { title: 'Last report', cell: (s) => utc(s.lastReportedDateTime) },
    ], statuses.value, { empty: 'No device has this policy.', label: 'Device status' }),
    statuses['@odata.nextLink']
      ? h('p', { class: 'muted' }, `The first ${statuses.value.length} devices are listed; `,
        h('a', { href: `#/reports?policy=${encodeURIComponent(id)}` }, 'the report lists them all'), '.')
      : null);

  const remove = manage ? h('button', {
    class: 'danger',
    onclick: async () => {
      if (!await confirmDialog('Delete this policy?', `${policy.name} stops applying to every device it is assigned to.`, 'Delete', { danger: true })) return;
      await api('DELETE', `${POLICIES}/${encodeURIComponent(id)}`);
      navigate('policies');
    },
  }, 'Delete') : null;
  return h('div', {},
    h('p', {}, h('a', { href: '#/policies' }, '← Policies')),
    h('div', { class: 'toolbar' }, h('h1', {}, policy.name), h('span', { class: 'spacer' }),
      manage ? h('a', { class: 'button', href: `#/policies/${id}/edit` }, 'Edit') : null, remove),
    h('div', { class: 'grid2' }, overview, assignmentsPanel), settingsPanel, statusPanel);
}

// ---- create / edit --------------------------------------------------------

function settingInput(def, value) {
  const id = `setting-${def.key}`;
  const common = { id, name: def.key, 'aria-describedby': `${id}-help ${id}-error` };
  if (def.type === 'boolean') {
    return h('select', common,
      h('option', { value: '', selected: value === undefined }, 'Not configured'),
      h('option', { value: 'true', selected: value === true }, 'Enabled'),
      h('option', { value: 'false', selected: value === false }, 'Disabled'));
  }
  if (def.type === 'integer' && def.allowed) {
    return h('select', common, h('option', { value: '' }, 'Not configured'),
      def.allowed.map((v) => h('option', { value: String(v), selected: value === v }, String(v))));
  }
  if (def.type === 'integer') {
    return h('input', { ...common, type: 'number', min: def.min, max: def.max, step: 1,
                        placeholder: `Not configured (default ${def.default})`,
                        value: value === undefined ? '' : String(value) });
  }
  return h('input', { ...common, type: 'text', maxlength: def.maxLength,
                      placeholder: 'Not configured', value: value ?? '' });
}

// Reads one setting; {value} or {error} or {} when not configured.
function readSetting(def, input) {
  const raw = input.value.trim();
  if (raw === '') return {};
  if (def.type === 'boolean') return { value: raw === 'true' };
  if (def.type === 'integer') {
    const n = Number(raw);
    if (!Number.isInteger(n)) return { error: `${def.cspName} must be a whole number.` };
    if (def.allowed && !def.allowed.includes(n)) return { error: `${def.cspName}: ${n} is not one of ${def.allowed.join(', ')}.` };
    if (n < def.min || n > def.max) return { error: `${def.cspName}: ${n} is out of range; allowed ${def.min}-${def.max}.` };
    return { value: n };
  }
  if (def.maxLength && raw.length > def.maxLength) return { error: `${def.cspName} holds at most ${def.maxLength} characters.` };
  return { value: raw };
}

export async function policyEditView(id) {
  const [definitions, policy, tags] = await Promise.all([
    get('/api/v1/policySettingDefinitions').then((r) => r.value),
    id ? get(`${POLICIES}/${encodeURIComponent(id)}`) : Promise.resolve(null),
    session.can(P.readRoles) ? get('/beta/deviceManagement/roleScopeTags').then((r) => r.value) : Promise.resolve(null),
  ]);
  const current = policy?.lapsSettings || {};
  const name = h('input', { id: 'policy-name', name: 'name', required: true, value: policy?.name || '' });
  const description = h('textarea', { id: 'policy-description', name: 'description', rows: 2 }, policy?.description || '');
  const platforms = (policy?.platforms || 'windows10,linux').split(',');
  const platformBoxes = PLATFORMS.map(([value, label]) => h('label', {},
    h('input', { type: 'checkbox', name: 'platform', value, checked: platforms.includes(value) }), ` ${label}`));
  const chosenTags = policy?.roleScopeTagIds || ['0'];
  const tagInputs = tags
    ? tags.map((t) => h('label', {}, h('input', { type: 'checkbox', name: 'scopeTag', value: t.id, checked: chosenTags.includes(t.id) }), ` ${t.displayName}`))
    : [h('input', { name: 'scopeTagIds', 'aria-label': 'Scope tag ids', value: chosenTags.join(',') })];
  const fieldErrors = new Map();
  const field = (label, input, help, key) => {
    const error = h('div', { class: 'error', id: `${input.id}-error`, 'data-setting': key || '' });
    fieldErrors.set(key || input.id, { error, input });
    return h('div', { class: 'field' }, h('label', { for: input.id }, label), input,
      help ? h('div', { class: 'help', id: `${input.id}-help` }, help) : null, error);
  };
  const inputs = new Map();
  const settingFields = definitions.map((def) => {
    const input = settingInput(def, current[def.key]);
    inputs.set(def.key, input);
    const when = APPLIES_WHEN[def.appliesWhen];
    return field(def.cspName, input, `${def.help} Default: ${def.default === '' ? '(empty)' : def.default}.${when ? ` ${when}` : ''}`, def.key);
  });
  const formError = h('div', { class: 'form-error', role: 'alert', 'data-testid': 'form-error' });
  const form = h('form', { 'aria-label': id ? 'Edit policy' : 'Create policy', novalidate: true },
    panel('Basics',
      field('Name', name, null, 'name'),
      field('Description', description, null, 'description'),
      h('div', { class: 'field' }, h('label', {}, 'Platforms'), h('div', { class: 'checks' }, platformBoxes)),
      h('div', { class: 'field' }, h('label', {}, 'Scope tags'), h('div', { class: 'checks' }, tagInputs),
        h('div', { class: 'help' }, 'Only admins whose role reaches one of these tags see the policy.'))),
    panel('LAPS settings', h('p', { class: 'muted' }, 'Leave a setting empty to keep it not configured; the device then uses the default.'), settingFields),
    formError,
    h('div', { class: 'actions' }, h('button', { class: 'primary', type: 'submit' }, id ? 'Save' : 'Create'),
      h('a', { class: 'button', href: id ? `#/policies/${id}` : '#/policies' }, 'Cancel')));

  const clearErrors = () => {
    formError.textContent = '';
    for (const { error, input } of fieldErrors.values()) { error.textContent = ''; input.removeAttribute('aria-invalid'); }
  };
  const showError = (key, message) => {
    const slot = fieldErrors.get(key);
    if (!slot) return false;
    slot.error.textContent = slot.error.textContent ? `${slot.error.textContent} ${message}` : message;
    slot.input.setAttribute('aria-invalid', 'true');
    return true;
  };
  // lapsd lists every problem at once, "; "-separated, each starting with
  // the setting's CSP name or JSON key: put each next to its setting.
  const showServerErrors = (message) => {
    const rest = [];
    // A message may itself hold "; " ("...out of range; allowed 7-365 when
    // ..."), so split only where the next setting's name begins.
    for (const part of message.split(/; (?=[A-Za-z]+: )/)) {
      const m = /^([A-Za-z]+):/.exec(part);
      const def = m && definitions.find((d) => d.cspName === m[1] || d.key === m[1]);
      if (!(def && showError(def.key, part))) rest.push(part);
    }
    formError.textContent = rest.join('; ');
  };

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors();
    let ok = true;
    if (!name.value.trim()) { showError('name', 'A name is required.'); ok = false; }
    const lapsSettings = {};
    for (const def of definitions) {
      const read = readSetting(def, inputs.get(def.key));
      if (read.error) { showError(def.key, read.error); ok = false; }
      else if (read.value !== undefined) lapsSettings[def.key] = read.value;
      else if (id && current[def.key] !== undefined) lapsSettings[def.key] = null;  // cleared
    }
    const chosenPlatforms = platformBoxes.map((l) => l.querySelector('input')).filter((i) => i.checked).map((i) => i.value);
    if (chosenPlatforms.length === 0) { formError.textContent = 'Choose at least one platform.'; ok = false; }
    if (!ok) { form.querySelector('[aria-invalid="true"]')?.focus(); return; }
    const roleScopeTagIds = tags
      ? tagInputs.map((l) => l.querySelector('input')).filter((i) => i.checked).map((i) => i.value)
      : tagInputs[0].value.split(',').map((s) => s.trim()).filter(Boolean);
    const body = { name: name.value.trim(), description: description.value, platforms: chosenPlatforms.join(','),
                   technologies: 'mdm', templateReference: { templateId: TEMPLATE_ID },
                   roleScopeTagIds, lapsSettings };
    try {
      const saved = id ? await api('PATCH', `${POLICIES}/${encodeURIComponent(id)}`, body) : await post(POLICIES, body);
      navigate(`policies/${saved.id}`);
    } catch (e) {
      if (e instanceof ApiError && e.status === 400) showServerErrors(e.message);
      else formError.textContent = e.message;
    }
  });
  return h('div', {},
    h('p', {}, h('a', { href: id ? `#/policies/${id}` : '#/policies' }, '← Back')),
    h('h1', {}, id ? `Edit ${policy.name}` : 'Create LAPS policy'), form);
}

