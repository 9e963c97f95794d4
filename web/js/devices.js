// Devices: the searchable, filtered, paged list, and one device's overview
// with its remote actions, the local admin password pane and action status.
import { ApiError, downloadCsv, get, odataString, post } from './api.js';
import { confirmDialog, errorBox, h, panel, pill, table, toast, utc } from './dom.js';
import { navigate, P, pageSignal, session } from './state.js';

const PAGE_SIZE = 20;
const DEVICES = '/beta/deviceManagement/managedDevices';

function listQuery(query) {
  const filters = [];
  const q = (query.q || '').trim();
  if (q) {
    filters.push(/^[0-9a-f-]{36}$/i.test(q) ? `id eq ${odataString(q)}`
                                            : `startswith(deviceName,${odataString(q)})`);
  }
  if (query.os) filters.push(`operatingSystem eq ${odataString(query.os)}`);
  if (query.online) filters.push(`isOnline eq ${query.online === 'yes'}`);
  if (query.rotation === 'overdue') {
    // ISO 8601 UTC strings order like the times they name; null means no
    // password yet, which is not overdue.
    filters.push(`nextPasswordRotationDateTime ne null and nextPasswordRotationDateTime lt ${odataString(new Date().toISOString().slice(0, 19) + 'Z')}`);
  }
  const page = Math.max(0, Number(query.page || 0));
  const params = new URLSearchParams({ $top: PAGE_SIZE, $skip: page * PAGE_SIZE, $count: 'true',
                                       $orderby: 'deviceName' });
  if (filters.length) params.set('$filter', filters.join(' and '));
  return { url: `${DEVICES}?${params}`, page };
}

function isOverdue(device) {
  const next = device.nextPasswordRotationDateTime;
  return !!next && new Date(next) < new Date();
}

function rotationCell(device) {
  if (!device.nextPasswordRotationDateTime) return h('span', { class: 'muted' }, 'no password yet');
  return [utc(device.nextPasswordRotationDateTime), ' ', isOverdue(device) ? pill('overdue') : null];
}

export async function deviceListView(query) {
  const { url, page } = listQuery(query);
  const result = await get(url);
  const total = result['@odata.count'] ?? result.value.length;
  const search = h('input', { type: 'search', name: 'q', placeholder: 'Search by name or id',
                              'aria-label': 'Search devices', value: query.q || '' });
  const select = (name, label, options) => h('select', { name, 'aria-label': label },
    options.map(([value, text]) => h('option', { value, selected: (query[name] || '') === value }, text)));
  const os = select('os', 'Operating system', [['', 'Any OS'], ['Windows', 'Windows'], ['linux', 'Linux'], ['macOS', 'macOS']]);
  const online = select('online', 'Online', [['', 'Online or not'], ['yes', 'Online'], ['no', 'Offline']]);
  const rotation = select('rotation', 'Rotation', [['', 'Any rotation state'], ['overdue', 'Overdue']]);
  const form = h('form', { class: 'toolbar', role: 'search' }, search, os, online, rotation,
    h('button', { type: 'submit' }, 'Search'));
  const apply = (event) => {
    event?.preventDefault();
    navigate('devices', { q: search.value.trim(), os: os.value, online: online.value, rotation: rotation.value });
  };
  form.addEventListener('submit', apply);
  for (const s of [os, online, rotation]) s.addEventListener('change', apply);

  const rows = table([
    { title: 'Device', cell: (d) => h('a', { href: `#/devices/${encodeURIComponent(d.id)}` }, d.deviceName) },
    { title: 'OS', cell: (d) => `${d.operatingSystem} ${d.osVersion || ''}` },
    { title: 'Online', cell: (d) => (d.isOnline ? pill('online', 'ok') : pill('offline', '')) },
    { title: 'Last seen', cell: (d) => utc(d.openlapsLastSeenDateTime) },
    { title: 'Last check-in', cell: (d) => utc(d.lastSyncDateTime) },
    { title: 'Local admin', cell: (d) => d.localAdminAccountName || '—' },
    { title: 'Last rotation', cell: (d) => utc(d.lastPasswordRotationDateTime) },
    { title: 'Next rotation', cell: rotationCell },
  ], result.value, { empty: 'No device matches.', label: 'Devices' });

  const go = (p) => navigate('devices', { ...query, page: p || '' });
  const first = total === 0 ? 0 : page * PAGE_SIZE + 1;
  const pager = h('nav', { class: 'pager', 'aria-label': 'Pages' },
    h('span', { class: 'muted', 'data-testid': 'device-count' }, `${first}–${page * PAGE_SIZE + result.value.length} of ${total}`),
    h('button', { disabled: page === 0, onclick: () => go(page - 1) }, 'Previous'),
    h('button', { disabled: (page + 1) * PAGE_SIZE >= total, onclick: () => go(page + 1) }, 'Next'));
  const heading = h('div', { class: 'toolbar' }, h('h1', {}, 'Devices'), h('span', { class: 'spacer' }),
    session.can(P.manageEnrollment) ? h('a', { class: 'button', href: '#/enrollment' }, 'Enroll devices') : null);
  return h('div', {}, heading, form, rows, pager);
}

// ---- one device ----------------------------------------------------------

function latestRotation(device) {
  const rotations = (device.deviceActionResults || []).filter((a) => a.actionName === 'rotateLocalAdminPassword');
  rotations.sort((a, b) => String(b.startDateTime).localeCompare(String(a.startDateTime)));
  return rotations[0];
}

function decodePassword(base64) {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

async function revealCredentials(id) {
  const info = await get(`/v1.0/directory/deviceLocalCredentials/${encodeURIComponent(id)}?$select=credentials`);
  return info.credentials || [];
}

// Password pane: hidden until Show; Copy fetches (audited) and copies
// without displaying. History only for admins who may read passwords.
function passwordPane(device, credentialInfo) {
  const canRead = session.can(P.readPassword);
  const value = h('span', { class: 'password', 'data-testid': 'password', 'aria-live': 'polite' }, '••••••••••••');
  let revealed = null;
  const current = async () => {
    if (revealed !== null) return revealed;
    const creds = await revealCredentials(device.id);
    const c = creds.find((x) => x.openlapsState === 'current');
    if (!c) throw new Error('The device has no current password.');
    if (c.passwordBase64 === null) throw new Error('This device backs up to Active Directory; the password is not held here.');
    return decodePassword(c.passwordBase64);
  };
  const message = h('p', { class: 'form-error', role: 'alert' });
  const show = h('button', {
    onclick: async () => {
      message.textContent = '';
      try {
        if (revealed === null) {
          revealed = await current();
          value.textContent = revealed;
          show.textContent = 'Hide';
        } else {
          revealed = null;
          value.textContent = '••••••••••••';
          show.textContent = 'Show';
        }
      } catch (e) { message.textContent = e.message; }
    },
  }, 'Show');
  const copy = h('button', {
    onclick: async () => {
      message.textContent = '';
      try {
        await navigator.clipboard.writeText(await current());
        toast('Password copied to the clipboard');
      } catch (e) { message.textContent = e.message; }
    },
  }, 'Copy');
  const inActiveDirectory = credentialInfo?.openlapsBackupDirectory === 'activeDirectory';
  const facts = h('dl', { class: 'facts' },
    h('dt', {}, 'Account name'), h('dd', { 'data-testid': 'account-name' }, device.localAdminAccountName || '—'),
    h('dt', {}, 'SID / UID'), h('dd', { class: 'mono' }, device.localAdminAccountSid || '—'),
    h('dt', {}, 'Password'), inActiveDirectory
      ? h('dd', { 'data-testid': 'backed-up-to' }, 'Backed up to Active Directory (read it there with Get-LapsADPassword or LDAP)')
      : h('dd', {}, value, ' ', canRead && credentialInfo ? [show, ' ', copy] : null),
    h('dt', {}, 'Last rotation'), h('dd', { 'data-testid': 'last-rotation' }, utc(device.lastPasswordRotationDateTime)),
    h('dt', {}, 'Next rotation'), h('dd', {}, utc(device.nextPasswordRotationDateTime), ' ', isOverdue(device) ? pill('overdue') : null),
    h('dt', {}, 'Last backup'), h('dd', {}, utc(credentialInfo?.lastBackupDateTime)));
  const children = [facts, message];
  if (!credentialInfo) children.push(h('p', { class: 'muted' }, 'The device has not backed up a password yet.'));
  if (canRead && credentialInfo) children.push(historyPane(device));
  return panel('Local administrator password', children);
}

function historyPane(device) {
  const body = h('div');
  const load = h('button', {
    onclick: async () => {
      try {
        const creds = await revealCredentials(device.id);
        body.replaceChildren(table([
          { title: 'Backed up', cell: (c) => utc(c.backupDateTime) },
          { title: 'Account', cell: (c) => c.accountName },
          { title: 'State', cell: (c) => pill(c.openlapsState) },
          { title: 'Password', cell: (c) => hiddenValue(c) },
        ], creds, { label: 'Password history' }));
      } catch (e) { body.replaceChildren(errorBox(e)); }
    },
  }, 'Show password history');
  body.append(h('p', { class: 'muted' }, 'Earlier passwords are listed on request (each look is audited). ', load));
  return h('details', {}, h('summary', {}, 'History'), body);
}

function hiddenValue(credential) {
  if (credential.passwordBase64 === null) return h('span', { class: 'muted' }, 'in Active Directory');
  const span = h('span', { class: 'password' }, '••••••••');
  const button = h('button', {
    onclick: () => {
      const hidden = span.textContent.startsWith('•');
      span.textContent = hidden ? decodePassword(credential.passwordBase64) : '••••••••';
      button.textContent = hidden ? 'Hide' : 'Show';
    },
  }, 'Show');
  return [span, ' ', button];
}

// What happened to an action, in words: its failure reason, or that the
// device finished after it had failed by a deadline.
function actionDetail(a) {
  if (a.openlapsLateCompletion) return `Done late, after it had failed: ${a.errorMessage}`;
  if (a.actionState === 'pending' && a.openlapsDeliverByDateTime) {
    return `${a.openlapsQueued ? 'Queued; expires' : 'Fails if not taken up by'} ${utc(a.openlapsDeliverByDateTime)}`;
  }
  if (a.actionState === 'active' && a.openlapsFinishByDateTime) return `Fails if not done by ${utc(a.openlapsFinishByDateTime)}`;
  return a.errorMessage || '';
}

// onCancel(action) cancels a pending action; null when the admin cannot.
function actionsTable(device, onCancel) {
  return panel('Device actions', table([
    { title: 'Action', cell: (a) => a.actionName },
    { title: 'State', cell: (a) => pill(a.actionState) },
    { title: 'Requested by', cell: (a) => a.requestedBy },
    { title: 'Started', cell: (a) => utc(a.startDateTime) },
    { title: 'Updated', cell: (a) => utc(a.lastUpdatedDateTime) },
    { title: 'Detail', cell: actionDetail },
    { title: '', cell: (a) => (onCancel && a.actionState === 'pending'
      ? h('button', { 'data-testid': 'cancel-action', onclick: () => onCancel(a) }, 'Cancel') : '') },
  ], [...(device.deviceActionResults || [])].reverse(), { empty: 'No actions yet.', label: 'Device actions' }));
}

// When this device's passwords were backed up and rotations requested
// (metadata only), from the rotation history report.
async function rotationHistory(id) {
  const path = `/api/v1/reports/rotationHistory?deviceId=${encodeURIComponent(id)}`;
  try {
    const report = await get(path);
    const error = h('span', { class: 'form-error' });
    return panel('Rotation history',
      h('div', { class: 'toolbar' }, h('button', {
        onclick: () => downloadCsv(path).catch((e) => { error.textContent = e.message; }),
      }, 'Export CSV'), error),
      table([
        { title: 'Time', cell: (r) => utc(r.dateTime) },
        { title: 'Event', cell: (r) => (r.event === 'passwordBackedUp' ? 'Password backed up' : 'Rotation requested') },
        { title: 'Account', cell: (r) => r.accountName || '—' },
        { title: 'State', cell: (r) => pill(r.state) },
        { title: 'By', cell: (r) => r.requestedBy || '' },
        { title: 'Detail', cell: (r) => r.detail || '' },
      ], report.value, { empty: 'No rotations yet.', label: 'Rotation history' }));
  } catch (e) { return errorBox(e); }
}

// The policies that reach this device and their state here, conflicts
// named, from the policy states report.
async function devicePolicies(id) {
  try {
    const report = await get(`/api/v1/reports/policyStates?deviceId=${encodeURIComponent(id)}`);
    return panel('Policies', table([
      { title: 'Policy', cell: (r) => h('a', { href: `#/policies/${encodeURIComponent(r.policyId)}` }, r.policyName) },
      { title: 'State', cell: (r) => pill(r.state) },
      { title: 'Detail', cell: (r) => r.detail || '' },
    ], report.value, { empty: 'No LAPS policy is assigned to this device.', label: 'Device policies' }));
  } catch (e) { return errorBox(e); }
}

const ROTATION_TEXT = {
  pending: 'Rotation requested; waiting for the device to pick it up.',
  active: 'The device is rotating the password.',
  done: 'Password rotated.',
  failed: 'Rotation failed',
  canceled: 'Rotation canceled',
};

// Follows the newest rotation until it ends; updates the banner in place.
async function followRotation(id, banner, onEnd) {
  const signal = pageSignal();
  while (!signal.aborted) {
    let device;
    try { device = await get(`${DEVICES}/${encodeURIComponent(id)}`); } catch { break; }
    const action = latestRotation(device);
    const state = action ? action.actionState : 'pending';
    banner.className = `banner ${state}`;
    banner.dataset.state = state;
    banner.textContent = action && action.openlapsLateCompletion
      ? `${ROTATION_TEXT.done} The device finished after the rotation had failed (${action.errorMessage}).`
      : ROTATION_TEXT[state] + (action && action.errorMessage ? `: ${action.errorMessage}` : '');
    if (state === 'done' || state === 'failed' || state === 'canceled') { onEnd(device); return; }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

export async function deviceView(_query, id) {
  const device = await get(`${DEVICES}/${encodeURIComponent(id)}`);
  let credentialInfo = null;
  if (session.can(P.readCredentialMetadata)) {
    try {
      credentialInfo = await get(`/v1.0/directory/deviceLocalCredentials/${encodeURIComponent(id)}`);
    } catch (e) { if (!(e instanceof ApiError && e.status === 404)) throw e; }
  }
  const banner = h('div', { role: 'status', 'data-testid': 'rotation-banner', hidden: true });
  const root = h('div');
  const passwordSlot = h('div');
  const actionsSlot = h('div');
  const historySlot = h('div');
  const policiesSlot = h('div');
  if (session.can(P.readReports)) devicePolicies(id).then((node) => policiesSlot.replaceChildren(node));
  const redraw = (d, info) => {
    passwordSlot.replaceChildren(session.can(P.readCredentialMetadata) ? passwordPane(d, info) : h('span'));
    actionsSlot.replaceChildren(actionsTable(d, session.can(P.rotate) ? cancelAction : null));
    if (session.can(P.readReports)) rotationHistory(id).then((node) => historySlot.replaceChildren(node));
  };
  // Pending or queued only: lapsd refuses (409) one the device has started.
  const cancelAction = async (action) => {
    const ok = await confirmDialog('Cancel the rotation?',
      `${device.deviceName} will not rotate its password for this request.`, 'Cancel rotation', { danger: true });
    if (!ok) return;
    try {
      await post(`${DEVICES}/${encodeURIComponent(id)}/deviceActionResults/${encodeURIComponent(action.id)}/cancel`);
      toast('Rotation canceled.');
    } catch (e) { toast(e.message); }
    try { redraw(await get(`${DEVICES}/${encodeURIComponent(id)}`), credentialInfo); } catch { /* keep */ }
  };
  const actions = h('div', { class: 'actions', role: 'toolbar', 'aria-label': 'Remote actions' });
  if (session.can(P.rotate)) {
    actions.append(h('button', {
      class: 'primary',
      onclick: async () => {
        // An offline device gets the rotation at its next check-in (queued);
        // the admin is told so before confirming.
        const when = device.isOnline ? '' : ' The device is offline: the rotation waits for its next check-in.';
        const ok = await confirmDialog('Rotate the local admin password?',
          `${device.deviceName} sets a new password for ${device.localAdminAccountName || 'its local administrator'} and backs it up. Anyone using the current password loses access.${when}`,
          'Rotate', { danger: true });
        if (!ok) return;
        banner.hidden = false;
        try {
          await post(`${DEVICES}/${encodeURIComponent(id)}/rotateLocalAdminPassword${device.isOnline ? '' : '?queue=true'}`);
        } catch (e) {
          banner.className = 'banner failed';
          banner.dataset.state = 'refused';
          banner.textContent = e.message;
          return;
        }
        banner.className = 'banner pending';
        banner.dataset.state = 'pending';
        banner.textContent = ROTATION_TEXT.pending;
        followRotation(id, banner, async (d) => {
          let info = credentialInfo;
          try { info = await get(`/v1.0/directory/deviceLocalCredentials/${encodeURIComponent(id)}`); } catch { /* keep */ }
          redraw(d, info);
        });
      },
    }, 'Rotate local admin password'));
  }
  actions.append(h('button', { onclick: () => navigate(`devices/${encodeURIComponent(id)}`, { t: Date.now() }) }, 'Refresh'));
  const overview = panel('Overview', h('dl', { class: 'facts' },
    h('dt', {}, 'Device id'), h('dd', { class: 'mono' }, device.id),
    h('dt', {}, 'Operating system'), h('dd', {}, `${device.operatingSystem} ${device.osVersion || ''}`),
    h('dt', {}, 'Serial number'), h('dd', {}, device.serialNumber || '—'),
    h('dt', {}, 'Join type'), h('dd', {}, device.joinType || '—'),
    h('dt', {}, 'Ownership'), h('dd', {}, device.managedDeviceOwnerType || '—'),
    h('dt', {}, 'Enrolled'), h('dd', {}, utc(device.enrolledDateTime)),
    h('dt', {}, 'Last check-in'), h('dd', {}, utc(device.lastSyncDateTime)),
    h('dt', {}, 'Online'), h('dd', {}, device.isOnline ? pill('online', 'ok') : pill('offline', '')),
    h('dt', {}, 'Last seen'), h('dd', {}, utc(device.openlapsLastSeenDateTime)),
    h('dt', {}, 'LAPS state'), h('dd', {}, device.lapsState || '—'),
    h('dt', {}, 'Scope tags'), h('dd', {}, (device.roleScopeTagIds || []).join(', '))));
  redraw(device, credentialInfo);
  const pending = latestRotation(device);
  if (pending && (pending.actionState === 'pending' || pending.actionState === 'active')) {
    banner.hidden = false;
    followRotation(id, banner, (d) => redraw(d, credentialInfo));
  }
  root.append(h('p', {}, h('a', { href: '#/devices' }, '← Devices')),
    h('h1', {}, device.deviceName), actions, banner,
    h('div', { class: 'grid2' }, overview, passwordSlot), actionsSlot, policiesSlot, historySlot);
  return root;
}
