// Reports: password age across the fleet (an SVG bar chart, overdue part in
// red), overdue devices, rotation per device, policy states with the devices
// behind each count, and rotation history. Every table exports as CSV, made
// by lapsd (?$format=csv) so scripts get the same file.
import { downloadCsv, get } from './api.js';
import { errorBox, h, panel, pill, svg, table, utc } from './dom.js';
import { navigate } from './state.js';

const REPORTS = '/api/v1/reports';
const BUCKETS = [
  { label: 'never', test: (d) => d === null },
  { label: '0–7 d', test: (d) => d !== null && d <= 7 },
  { label: '8–14 d', test: (d) => d !== null && d > 7 && d <= 14 },
  { label: '15–30 d', test: (d) => d > 14 && d <= 30 },
  { label: '31–60 d', test: (d) => d > 30 && d <= 60 },
  { label: '61–90 d', test: (d) => d > 60 && d <= 90 },
  { label: '> 90 d', test: (d) => d > 90 },
];

// Bars per age bucket; the overdue devices of a bucket stacked on top.
export function passwordAgeChart(rows) {
  const counts = BUCKETS.map((b) => {
    const inBucket = rows.filter((r) => b.test(r.passwordAgeDays));
    return { label: b.label, total: inBucket.length, overdue: inBucket.filter((r) => r.overdue).length };
  });
  const width = 640; const height = 220; const left = 36; const bottom = 28; const top = 12;
  const max = Math.max(1, ...counts.map((c) => c.total));
  const slot = (width - left) / counts.length;
  const scale = (n) => ((height - bottom - top) * n) / max;
  const bars = counts.flatMap((c, i) => {
    const x = left + i * slot + slot * 0.15;
    const w = slot * 0.7;
    const base = height - bottom;
    const okHeight = scale(c.total - c.overdue);
    const overdueHeight = scale(c.overdue);
    return [
      svg('rect', { class: 'bar', x, y: base - okHeight, width: w, height: okHeight },
        svg('title', { text: `${c.label}: ${c.total - c.overdue} on schedule` })),
      svg('rect', { class: 'bar overdue', x, y: base - okHeight - overdueHeight, width: w, height: overdueHeight },
        svg('title', { text: `${c.label}: ${c.overdue} overdue` })),
      svg('text', { class: 'value', x: x + w / 2, y: base - okHeight - overdueHeight - 3, 'text-anchor': 'middle', text: String(c.total) }),
      svg('text', { x: x + w / 2, y: height - 10, 'text-anchor': 'middle', text: c.label }),
    ];
  });
  const axis = svg('line', { x1: left, y1: height - bottom, x2: width, y2: height - bottom, stroke: '#8a98a8' });
  return h('figure', { class: 'chart', 'data-testid': 'password-age-chart' },
    svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img',
                 'aria-label': `Password age: ${counts.map((c) => `${c.label} ${c.total}`).join(', ')}` }, axis, bars),
    h('figcaption', { class: 'muted' }, 'Devices by age of their current password; red: past the next rotation.'));
}

function exportButton(path, label = 'Export CSV') {
  const error = h('span', { class: 'form-error' });
  return h('span', {}, h('button', {
    onclick: () => downloadCsv(path).catch((e) => { error.textContent = e.message; }),
  }, label), ' ', error);
}

const rotationColumns = [
  { title: 'Device', cell: (r) => h('a', { href: `#/devices/${r.deviceId}` }, r.deviceName) },
  { title: 'Account', cell: (r) => r.localAdminAccountName || '—' },
  { title: 'Last rotation', cell: (r) => utc(r.lastPasswordRotationDateTime) },
  { title: 'Next rotation', cell: (r) => utc(r.nextPasswordRotationDateTime) },
  { title: 'Age (days)', cell: (r) => (r.passwordAgeDays === null ? '—' : String(r.passwordAgeDays)) },
  { title: 'State', cell: (r) => (r.overdue ? pill('overdue') : (r.lastPasswordRotationDateTime ? pill('on schedule', 'ok') : pill('no password yet', ''))) },
];

export async function reportsView(query) {
  const [rotation, policies, history] = await Promise.all([
    get(`${REPORTS}/passwordRotation`),
    get(`${REPORTS}/policyStates`),
    get(`${REPORTS}/rotationHistory`),
  ]);
  const overdue = rotation.value.filter((r) => r.overdue);
  const states = ['succeeded', 'error', 'conflict', 'pending', 'notApplicable'];

  let policyDetail = null;
  if (query.policy) {
    const params = new URLSearchParams({ policyId: query.policy });
    if (query.state) params.set('state', query.state);
    try {
      const detail = await get(`${REPORTS}/policyStates?${params}`);
      const name = policies.value.find((p) => p.policyId === query.policy)?.policyName || query.policy;
      policyDetail = panel(`Devices of ${name}${query.state ? ` in state ${query.state}` : ''}`,
        h('div', { class: 'toolbar' }, exportButton(`${REPORTS}/policyStates?${params}`),
          h('a', { href: '#/reports' }, 'Close')),
        table([
          { title: 'Device', cell: (r) => h('a', { href: `#/devices/${r.deviceId}` }, r.deviceName) },
          { title: 'State', cell: (r) => pill(r.state) },
          { title: 'Detail', cell: (r) => r.detail || '' },
          { title: 'Last report', cell: (r) => utc(r.lastReportedDateTime) },
        ], detail.value, { empty: 'No device in this state.', label: 'Policy devices' }));
    } catch (e) { policyDetail = errorBox(e); }
  }

  return h('div', {}, h('h1', {}, 'Reports'),
    h('div', { class: 'grid2' },
      panel('Password age', passwordAgeChart(rotation.value)),
      panel('Summary', h('dl', { class: 'facts' },
        h('dt', {}, 'Devices'), h('dd', { 'data-testid': 'device-total' }, String(rotation.deviceCount)),
        h('dt', {}, 'Overdue'), h('dd', { 'data-testid': 'overdue-total' }, String(rotation.overdueCount)),
        h('dt', {}, 'Generated'), h('dd', {}, utc(rotation.generatedDateTime))))),
    panel('Overdue devices', h('div', { class: 'toolbar' }, exportButton(`${REPORTS}/passwordRotation?overdue=true`)),
      table(rotationColumns, overdue, { empty: 'No device is overdue.', label: 'Overdue devices' })),
    panel('Policy states', h('div', { class: 'toolbar' }, exportButton(`${REPORTS}/policyStates`)),
      table([
        { title: 'Policy', cell: (p) => h('a', { href: `#/policies/${p.policyId}` }, p.policyName) },
        ...states.map((s) => ({
          title: s,
          cell: (p) => (p[s] ? h('a', { href: '#', onclick: (e) => { e.preventDefault(); navigate('reports', { policy: p.policyId, state: s }); } }, String(p[s])) : '0'),
        })),
        { title: 'Devices', cell: (p) => h('a', { href: '#', onclick: (e) => { e.preventDefault(); navigate('reports', { policy: p.policyId }); } }, String(p.total)) },
      ], policies.value, { empty: 'No policies.', label: 'Policy states' })),
    policyDetail,
    panel('Rotation per device', h('div', { class: 'toolbar' }, exportButton(`${REPORTS}/passwordRotation`)),
      table(rotationColumns, rotation.value, { empty: 'No devices.', label: 'Rotation per device' })),
    panel('Rotation history', h('div', { class: 'toolbar' }, exportButton(`${REPORTS}/rotationHistory`),
      h('span', { class: 'muted' }, history.value.length > 100 ? 'The newest 100 are shown; the export has all.' : '')),
    table([
      { title: 'Time', cell: (r) => utc(r.dateTime) },
      { title: 'Device', cell: (r) => h('a', { href: `#/devices/${r.deviceId}` }, r.deviceName) },
      { title: 'Event', cell: (r) => (r.event === 'passwordBackedUp' ? 'Password backed up' : 'Rotation requested') },
      { title: 'Account', cell: (r) => r.accountName || '—' },
      { title: 'State', cell: (r) => pill(r.state) },
      { title: 'By', cell: (r) => r.requestedBy || '' },
      { title: 'Detail', cell: (r) => r.detail || '' },
    ], history.value.slice(0, 100), { empty: 'No rotations yet.', label: 'Rotation history' })));
}
