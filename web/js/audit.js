// The audit log: newest first, filtered and paged, with the chain check.
import { get, odataString, post } from './api.js';
import { h, pill, table, utc } from './dom.js';
import { navigate } from './state.js';

const PAGE_SIZE = 50;

export async function auditView(query) {
  const page = Math.max(0, Number(query.page || 0));
  const filters = [];
  if (query.activity) filters.push(`startswith(activity,${odataString(query.activity)})`);
  if (query.actor) filters.push(`actorName eq ${odataString(query.actor)}`);
  if (query.result) filters.push(`activityResult eq ${odataString(query.result)}`);
  const params = new URLSearchParams({ $top: PAGE_SIZE, $skip: page * PAGE_SIZE, $count: 'true', $orderby: 'activityDateTime desc' });
  if (filters.length) params.set('$filter', filters.join(' and '));
  const result = await get(`/beta/deviceManagement/auditEvents?${params}`);
  const total = result['@odata.count'] ?? result.value.length;

  const activity = h('input', { name: 'activity', 'aria-label': 'Activity starts with', placeholder: 'Activity starts with', value: query.activity || '' });
  const actor = h('input', { name: 'actor', 'aria-label': 'Actor', placeholder: 'Actor', value: query.actor || '' });
  const outcome = h('select', { name: 'result', 'aria-label': 'Result' },
    [['', 'Any result'], ['success', 'success'], ['failure', 'failure'], ['denied', 'denied']]
      .map(([v, t]) => h('option', { value: v, selected: (query.result || '') === v }, t)));
  const verdict = h('span', { 'data-testid': 'chain-verdict' });
  const form = h('form', { class: 'toolbar', role: 'search' }, activity, actor, outcome,
    h('button', { type: 'submit' }, 'Filter'), h('span', { class: 'spacer' }),
    h('button', {
      type: 'button',
      onclick: async () => {
        const r = await post('/api/v1/auditEvents/verify');
        verdict.replaceChildren(r.intact
          ? pill(`chain intact: ${r.count} events, head ${r.head.sequence} ${r.head.hash.slice(0, 16)}…` +
                 (r.checkpoint ? `, checkpoint ${r.checkpoint.sequence} held` : ', no checkpoint yet'), 'ok')
          : pill(`chain broken: ${r.problem}`, 'error'));
      },
    }, 'Verify chain'), verdict);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    navigate('audit', { activity: activity.value.trim(), actor: actor.value.trim(), result: outcome.value });
  });
  const go = (p) => navigate('audit', { ...query, page: p || '' });
  return h('div', {}, h('h1', {}, 'Audit log'), form,
    table([
      { title: 'Time', cell: (e) => utc(e.activityDateTime) },
      { title: 'Activity', cell: (e) => e.activity },
      { title: 'Result', cell: (e) => pill(e.activityResult) },
      { title: 'Actor', cell: (e) => `${e.actorName} (${e.actor.type})` },
      { title: 'Target', cell: (e) => (e.resources[0] ? `${e.resources[0].displayName || ''} ${e.resources[0].type ? `[${e.resources[0].type}]` : ''}` : '') },
      { title: '#', cell: (e) => h('span', { class: 'muted' }, String(e.sequence)) },
    ], result.value, { empty: 'No event matches.', label: 'Audit events' }),
    h('nav', { class: 'pager', 'aria-label': 'Pages' },
      h('span', { class: 'muted', 'data-testid': 'audit-count' }, `${total === 0 ? 0 : page * PAGE_SIZE + 1}–${page * PAGE_SIZE + result.value.length} of ${total}`),
      h('button', { disabled: page === 0, onclick: () => go(page - 1) }, 'Previous'),
      h('button', { disabled: (page + 1) * PAGE_SIZE >= total, onclick: () => go(page + 1) }, 'Next')));
}
