// The web console in headless Chromium (Debian's, driven by playwright-core)
// against a real lapsd and three real laps-agent processes. Browser-side
// waits are Playwright's auto-waiting locators; nothing sleeps.
//
//   LAPSD=build/src/server/lapsd LAPS_AGENT=build/src/agent/laps-agent node --test
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { eventually, Lab } from './lab.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const SCREENSHOTS = process.env.SCREENSHOT_DIR || join(repo, 'artifacts/screenshots');
const LAPSD = resolve(repo, process.env.LAPSD || 'build/src/server/lapsd');
const LAPS_AGENT = resolve(repo, process.env.LAPS_AGENT || 'build/src/agent/laps-agent');
const ADMIN_TIMEOUT = 30000;  // upper bound for an agent round trip on a loaded machine

// 20 seeded demo devices (backed up over the last 35 days, two overdue)
// beside the three real ones: enough for paging and a chart worth a look.
const DEMO_DEVICES = 20;
const lab = new Lab({ lapsd: LAPSD, agent: LAPS_AGENT, lapsdArgs: ['--demo-fleet', String(DEMO_DEVICES)] });
let context;
let page;
let userDataDir;
let group;
const problems = [];  // console errors and uncaught exceptions, CSP reports included

async function screenshot(name) {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

async function signIn(user, password) {
  await page.goto(`${lab.url}/#/login`);
  await page.locator('#login-user').fill(user);
  await page.locator('#login-password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

async function openDevice(name) {
  await page.getByRole('link', { name: 'Devices', exact: true }).click();
  await page.getByRole('searchbox', { name: 'Search devices' }).fill(name);
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('link', { name, exact: true }).click();
  await page.getByRole('heading', { level: 1, name }).waitFor();
}

before(async () => {
  await mkdir(SCREENSHOTS, { recursive: true });
  await lab.start();
  group = await lab.call('POST', '/v1.0/groups', { displayName: 'Web lab', openlapsGroupKind: 'device' });
  const base = await lab.createPolicy('Base LAPS', { backupDirectory: 1, passwordAgeDays: 7, passwordComplexity: 4 });
  await lab.assign(base.id, group.id);
  const enrollment = await lab.call('POST', '/api/v1/enrollmentTokens', { name: 'browser lab', uses: 3, groupIds: [group.id] });
  await Promise.all(['web-ws-01', 'web-ws-02', 'web-srv-01'].map((n) => lab.addAgent(n, enrollment.token)));
  for (const agent of lab.agents) {
    await eventually(async () => (await lab.call('GET', `/v1.0/directory/deviceLocalCredentials/${agent.id}`)).lastBackupDateTime,
                     { what: `${agent.name} to back up its first password` });
  }

  userDataDir = await mkdtemp(join(tmpdir(), 'openlaps-chromium-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 900 },
    acceptDownloads: true,
  });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: lab.url });
  context.setDefaultTimeout(ADMIN_TIMEOUT);
  page = context.pages()[0] || await context.newPage();
  // Chromium logs every 4xx as a console error without its URL; failed
  // responses are judged below instead, by URL, against the ones the tests
  // cause on purpose.
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(`console: ${m.text()}`);
  });
  page.on('response', (r) => {
    if (r.status() < 400) return;
    const { pathname } = new URL(r.url());
    const expected =
      (r.status() === 401 && pathname === '/api/v1/login') ||  // the wrong password
      (r.status() === 400 && pathname === '/beta/deviceManagement/configurationPolicies') ||  // the refused policy
      (r.status() === 404 && pathname.startsWith('/v1.0/directory/deviceLocalCredentials/'));  // no backup yet
    if (!expected) problems.push(`${r.status()} ${r.request().method()} ${pathname}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
});

after(async () => {
  await context?.close();
  await lab.stop();
  if (userDataDir) await rm(userDataDir, { recursive: true, force: true });
});

describe('web console', () => {
  test('is served by lapsd with its type, a strict CSP and revalidation', async () => {
    const response = await page.goto(`${lab.url}/`);
    const headers = response.headers();
    assert.equal(response.status(), 200);
    assert.equal(headers['content-type'], 'text/html; charset=utf-8');
    assert.match(headers['content-security-policy'], /script-src 'self'/);
    assert.doesNotMatch(headers['content-security-policy'], /unsafe-inline/);
    assert.equal(headers['cache-control'], 'no-cache');
    const script = await fetch(`${lab.url}/js/main.js`);
    assert.equal(script.headers.get('content-type'), 'text/javascript; charset=utf-8');
    const again = await fetch(`${lab.url}/js/main.js`, { headers: { 'If-None-Match': script.headers.get('etag') } });
    assert.equal(again.status, 304);
    await page.getByRole('heading', { name: 'Sign in to OpenLAPS' }).waitFor();
    await screenshot('sign-in');
  });

  test('signs in, searches, filters and pages the devices', async () => {
    await signIn(lab.initialAdmin.userName, 'not-the-password');
    await page.getByRole('alert').filter({ hasText: 'The user name or password is incorrect.' }).waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.getItem('openlaps.token')), null);
    await signIn(lab.initialAdmin.userName, lab.initialAdmin.password);
    await page.getByTestId('signed-in-as').waitFor();
    await page.getByRole('heading', { name: 'Devices' }).waitFor();
    await page.getByTestId('device-count').filter({ hasText: '1–20 of 23' }).waitFor();
    await screenshot('devices');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByTestId('device-count').filter({ hasText: '21–23 of 23' }).waitFor();
    await page.getByRole('button', { name: 'Previous' }).click();
    await page.getByTestId('device-count').filter({ hasText: '1–20 of 23' }).waitFor();
    // The token lives in sessionStorage, never in the address.
    assert.ok(await page.evaluate(() => sessionStorage.getItem('openlaps.token')));
    assert.doesNotMatch(page.url(), /token|Bearer/i);

    await page.getByRole('combobox', { name: 'Rotation' }).selectOption('overdue');
    await page.getByTestId('device-count').filter({ hasText: '1–2 of 2' }).waitFor();
    await page.getByRole('link', { name: 'demo-119' }).waitFor();
    await page.getByRole('combobox', { name: 'Rotation' }).selectOption('');
    await page.getByTestId('device-count').filter({ hasText: '1–20 of 23' }).waitFor();

    await page.getByRole('searchbox', { name: 'Search devices' }).fill('web-ws');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByTestId('device-count').filter({ hasText: '1–2 of 2' }).waitFor();
    assert.equal(await page.getByRole('link', { name: 'web-srv-01' }).count(), 0);
    await page.getByRole('combobox', { name: 'Online' }).selectOption('no');
    await page.getByText('No device matches.').waitFor();
    await page.getByRole('combobox', { name: 'Online' }).selectOption('yes');
    await page.getByTestId('device-count').filter({ hasText: '1–2 of 2' }).waitFor();
    await screenshot('devices-search');
    await page.getByRole('link', { name: 'web-ws-01', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'web-ws-01' }).waitFor();
  });

  test('reveals and copies the local admin password', async () => {
    const id = lab.agents.find((a) => a.name === 'web-ws-01').id;
    const expected = await lab.currentPassword(id);
    const password = page.getByTestId('password');
    await page.getByTestId('account-name').filter({ hasText: 'root' }).waitFor();
    assert.notEqual(await password.textContent(), expected, 'hidden until asked');

    await page.getByRole('button', { name: 'Show', exact: true }).click();
    await page.getByRole('button', { name: 'Hide', exact: true }).waitFor();
    assert.equal(await password.textContent(), expected);
    await page.getByRole('button', { name: 'Hide', exact: true }).click();
    await page.getByRole('button', { name: 'Show', exact: true }).waitFor();

    await page.getByRole('button', { name: 'Copy', exact: true }).click();
    await page.getByText('Password copied to the clipboard').waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), expected);
    assert.notEqual(await password.textContent(), expected, 'Copy does not display it');
    await screenshot('device');
  });

  test('rotates after confirmation and follows the action to done without a reload', async () => {
    const agent = lab.agents.find((a) => a.name === 'web-ws-01');
    const before = await lab.currentPassword(agent.id);
    const shadowBefore = await lab.shadowHash(agent);
    // Records every state the banner shows, and marks the document so a
    // reload would be noticed.
    await page.evaluate(() => {
      window.bannerStates = [];
      window.sameDocument = true;
      const banner = document.querySelector('[data-testid="rotation-banner"]');
      new MutationObserver(() => {
        const state = banner.dataset.state;
        if (state && window.bannerStates.at(-1) !== state) window.bannerStates.push(state);
      }).observe(banner, { attributes: true, attributeFilter: ['data-state'] });
    });
    await page.getByRole('button', { name: 'Rotate local admin password' }).click();
    const dialog = page.getByRole('dialog', { name: 'Rotate the local admin password?' });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    assert.equal((await lab.call('GET', `/beta/deviceManagement/managedDevices/${agent.id}`)).deviceActionResults.length, 0,
                 'cancel requests nothing');

    await page.getByRole('button', { name: 'Rotate local admin password' }).click();
    await dialog.getByRole('button', { name: 'Rotate', exact: true }).click();
    await page.locator('[data-testid="rotation-banner"][data-state="done"]').waitFor();
    await page.getByText('Password rotated.').waitFor();
    const states = await page.evaluate(() => window.bannerStates);
    assert.equal(states[0], 'pending', `banner states: ${states}`);
    assert.equal(states.at(-1), 'done');
    assert.equal(await page.evaluate(() => window.sameDocument), true);
    await page.getByRole('table', { name: 'Device actions' }).getByText('done').waitFor();
    await screenshot('device-rotated');

    const after = await lab.currentPassword(agent.id);
    assert.notEqual(after, before);
    assert.notEqual(await lab.shadowHash(agent), shadowBefore, 'the agent set it on the account');
    await page.getByRole('button', { name: 'Show', exact: true }).click();
    await page.getByTestId('password').filter({ hasText: after }).waitFor();
    // The device's rotation history: two backups and the request, by admin.
    const rotations = page.getByRole('table', { name: 'Rotation history' });
    await rotations.getByRole('row').filter({ hasText: 'Rotation requested' }).filter({ hasText: 'done' }).waitFor();
    assert.equal(await rotations.getByRole('row').filter({ hasText: 'Password backed up' }).count(), 2);

    // History, on request: the new password current, the old one history,
    // each still hidden until its own Show.
    await page.getByText('History', { exact: true }).click();
    await page.getByRole('button', { name: 'Show password history' }).click();
    const history = page.getByRole('table', { name: 'Password history' });
    await history.getByRole('row').filter({ hasText: 'history' }).waitFor();
    assert.equal(await history.getByRole('row').count(), 3, 'a header and two passwords');
    assert.equal(await history.getByText(before).count(), 0, 'hidden until asked');
    await history.getByRole('row').filter({ hasText: 'history' }).getByRole('button', { name: 'Show' }).click();
    await history.getByText(before, { exact: true }).waitFor();
  });

  test('creates a policy with inline validation, assigns it and shows the conflict', async () => {
    await page.getByRole('link', { name: 'Policies', exact: true }).click();
    await page.getByRole('link', { name: 'Create policy' }).click();
    await page.getByRole('heading', { name: 'Create LAPS policy' }).waitFor();
    const help = page.locator('#setting-passwordAgeDays-help');
    assert.match(await help.textContent(), /Days a password is used/);

    await page.locator('#policy-name').fill('Stricter LAPS');
    await page.locator('#setting-backupDirectory').fill('1');
    await page.locator('#setting-passwordAgeDays').fill('400');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await page.locator('#setting-passwordAgeDays-error').filter({ hasText: 'out of range' }).waitFor();
    assert.equal(await page.locator('#setting-passwordAgeDays').getAttribute('aria-invalid'), 'true');

    // In range for the input, refused by lapsd's cross-setting rule: the
    // server's message lands next to the same setting.
    await page.locator('#setting-passwordAgeDays').fill('3');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await page.locator('#setting-passwordAgeDays-error').filter({ hasText: 'when BackupDirectory is 1' }).waitFor();
    assert.equal(await page.getByTestId('form-error').textContent(), '', 'nothing left over for the form');
    await screenshot('policy-validation');

    await page.locator('#setting-passwordAgeDays').fill('14');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Stricter LAPS' }).waitFor();

    await page.getByRole('combobox', { name: 'Group to assign' }).selectOption({ label: 'Web lab (device)' });
    await page.getByRole('button', { name: 'Assign', exact: true }).click();
    await page.getByRole('table', { name: 'Assignments' }).getByRole('link', { name: 'Web lab' }).waitFor();
    // Base LAPS says 7 days, this one 14, on the same devices: Intune's rule
    // reports a conflict on every one of them.
    await page.getByTestId('status-counts').filter({ hasText: 'conflict: 3' }).waitFor();
    assert.equal(await page.getByRole('table', { name: 'Device status' }).getByText('conflict', { exact: true }).count(), 3);
    await screenshot('policy');

    // The device's side: both policies in conflict, each naming the other.
    await page.getByRole('table', { name: 'Device status' }).getByRole('link', { name: 'web-ws-02' }).click();
    const policies = page.getByRole('table', { name: 'Device policies' });
    await policies.getByRole('row').filter({ hasText: 'Stricter LAPS' }).filter({ hasText: 'PasswordAgeDays conflicts with policy "Base LAPS"' }).waitFor();
    await policies.getByRole('row').filter({ hasText: 'Base LAPS' }).filter({ hasText: 'conflicts with policy "Stricter LAPS"' }).waitFor();
  });

  test('reports show the chart and the conflict, and export CSV', async () => {
    await page.getByRole('link', { name: 'Reports', exact: true }).click();
    await page.getByTestId('password-age-chart').locator('rect.bar:not([height="0"])').first().waitFor();
    await page.getByTestId('device-total').filter({ hasText: '23' }).waitFor();
    await page.getByTestId('overdue-total').filter({ hasText: '2' }).waitFor();
    const row = page.getByRole('table', { name: 'Policy states' }).getByRole('row').filter({ hasText: 'Stricter LAPS' });
    await row.waitFor();
    await screenshot('reports');

    const panel = page.getByRole('region', { name: 'Policy states' });
    const [download] = await Promise.all([page.waitForEvent('download'), panel.getByRole('button', { name: 'Export CSV' }).click()]);
    assert.equal(download.suggestedFilename(), 'policy-states.csv');
    const csv = await readFile(await download.path(), 'utf8');
    const lines = csv.split('\r\n');
    assert.equal(lines[0], 'policyName,policyId,succeeded,error,conflict,pending,notApplicable,total');
    const stricter = lines.find((l) => l.startsWith('Stricter LAPS,')).split(',');
    assert.equal(stricter[4], '3', csv);

    await row.getByRole('link', { name: '3' }).first().click();
    await page.getByRole('table', { name: 'Policy devices' }).getByRole('link', { name: 'web-srv-01' }).waitFor();
  });

  test('editing the policy to agree with the other clears the conflict', async () => {
    await page.getByRole('link', { name: 'Policies', exact: true }).click();
    await page.getByRole('link', { name: 'Stricter LAPS' }).click();
    await page.getByRole('link', { name: 'Edit', exact: true }).click();
    await page.getByRole('heading', { name: 'Edit Stricter LAPS' }).waitFor();
    assert.equal(await page.locator('#setting-passwordAgeDays').inputValue(), '14');
    await page.locator('#setting-passwordAgeDays').fill('7');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Stricter LAPS' }).waitFor();
    await page.getByTestId('status-counts').filter({ hasText: 'conflict: 0' }).waitFor();
    const policy = (await lab.call('GET', '/beta/deviceManagement/configurationPolicies?$filter=name eq \'Stricter LAPS\'')).value[0];
    assert.equal(policy.version, 2);
  });

  test('creates a group and adds a device to it', async () => {
    await page.getByRole('link', { name: 'Groups', exact: true }).click();
    await page.getByRole('textbox', { name: 'Group name' }).fill('Web pilots');
    await page.getByRole('button', { name: 'Create group' }).click();
    await page.getByRole('heading', { level: 1, name: 'Web pilots' }).waitFor();
    await page.getByRole('combobox', { name: 'Member to add' }).selectOption({ label: 'web-ws-02' });
    await page.getByRole('button', { name: 'Add member' }).click();
    await page.getByRole('table', { name: 'Members' }).getByRole('link', { name: 'web-ws-02' }).waitFor();
    await screenshot('group');
    const groups = await lab.call('GET', '/v1.0/groups');
    assert.equal(groups.value.find((g) => g.displayName === 'Web pilots').memberCount, 1);
  });

  test('lists roles and creates a scope tag', async () => {
    await page.getByRole('link', { name: 'Roles', exact: true }).click();
    await page.getByRole('table', { name: 'Role definitions' }).getByText('Help Desk Operator').waitFor();
    await page.getByRole('textbox', { name: 'Scope tag name' }).fill('Lab tag');
    await page.getByRole('button', { name: 'Create scope tag' }).click();
    await page.getByRole('table', { name: 'Scope tags' }).getByText('Lab tag').waitFor();

    // A Read Only Operator (sees devices and credential metadata, never
    // passwords), made here and signed in as at the end.
    await page.getByRole('textbox', { name: 'Administrator user name' }).fill('reader');
    await page.getByRole('textbox', { name: 'Administrator display name' }).fill('Rita Reader');
    await page.getByRole('textbox', { name: 'Administrator password' }).fill('reader-password-1');
    await page.getByRole('button', { name: 'Create administrator' }).click();
    await page.getByText('Created reader.').waitFor();
    await page.getByRole('textbox', { name: 'Assignment name' }).fill('Readers');
    await page.getByRole('combobox', { name: 'Role' }).selectOption({ label: 'Read Only Operator' });
    await page.getByRole('textbox', { name: 'Administrators (user names, comma-separated)' }).fill('reader');
    await page.getByRole('button', { name: 'Create role assignment' }).click();
    await page.getByRole('table', { name: 'Role assignments' }).getByRole('row').filter({ hasText: 'Readers' })
      .filter({ hasText: 'Read Only Operator' }).waitFor();
    await screenshot('roles');
    // The new tag is offered on the policy form.
    await page.goto(`${lab.url}/#/policies/new`);
    await page.getByRole('checkbox', { name: 'Lab tag' }).waitFor();
  });

  test('the audit log lists the reveal and filters', async () => {
    await page.getByRole('link', { name: 'Audit log', exact: true }).click();
    const events = page.getByRole('table', { name: 'Audit events' });
    await events.getByText('Recover device local administrator password').first().waitFor();
    await page.getByRole('button', { name: 'Verify chain' }).click();
    await page.getByTestId('chain-verdict').filter({ hasText: 'chain intact' }).waitFor();
    await screenshot('audit');
    await page.getByRole('textbox', { name: 'Activity starts with' }).fill('Create scope');
    await page.getByRole('button', { name: 'Filter' }).click();
    // The filtered page replaces the whole log: wait for its count first.
    await page.getByTestId('audit-count').filter({ hasText: '1–1 of 1' }).waitFor();
    await events.getByRole('row').filter({ hasText: 'Lab tag' }).waitFor();
    assert.equal(await events.getByRole('row').count(), 2, 'a header and the one event');
  });

  test('a rotation the device cannot carry out ends failed, with its reason', async () => {
    await openDevice('web-srv-01');
    await lab.breakShadow(lab.agents.find((a) => a.name === 'web-srv-01'));
    await page.getByRole('button', { name: 'Rotate local admin password' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Rotate', exact: true }).click();
    await page.locator('[data-testid="rotation-banner"][data-state="failed"]').filter({ hasText: 'no shadow entry' }).waitFor();
    await page.getByRole('table', { name: 'Device actions' }).getByText('failed', { exact: true }).waitFor();
    await screenshot('device-rotation-failed');
  });

  test('makes an enrollment token that enrolls a real agent', async () => {
    await page.getByRole('link', { name: 'Devices', exact: true }).click();
    await page.getByRole('link', { name: 'Enroll devices' }).click();
    await page.getByRole('textbox', { name: 'Token name' }).fill('one more');
    await page.getByRole('checkbox', { name: 'Web lab' }).check();
    await page.getByRole('button', { name: 'Create enrollment token' }).click();
    const command = await page.getByTestId('enroll-command').textContent();
    assert.match(command, new RegExp(`^laps-agent enroll --server ${lab.url} --token \\S+ --insecure-http$`));
    await screenshot('enrollment');
    const agent = await lab.addAgent('web-ws-03', command.split(' --token ')[1].split(' ')[0]);
    await eventually(async () => (await lab.call('GET', `/v1.0/directory/deviceLocalCredentials/${agent.id}`)).lastBackupDateTime,
                     { what: 'web-ws-03 to back up its first password' });
    await openDevice('web-ws-03');
    await page.getByTestId('last-rotation').filter({ hasText: 'UTC' }).waitFor();
    const groups = await lab.call('GET', '/v1.0/groups');
    assert.equal(groups.value.find((g) => g.displayName === 'Web lab').memberCount, 4);
  });

  test('a device named with markup stays text', async () => {
    // Devices name themselves at enrollment, so a name is untrusted input.
    const name = '<img src=x onerror="window.pwned=1">';
    const token = await lab.call('POST', '/api/v1/enrollmentTokens', { name: 'markup', uses: 1 });
    await lab.addAgent(name, token.token, 'markup');
    await page.getByRole('link', { name: 'Devices', exact: true }).click();
    await page.getByRole('searchbox', { name: 'Search devices' }).fill('<img');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name, exact: true }).click();
    await page.getByRole('heading', { level: 1, name }).waitFor();
    assert.equal(await page.locator('#view img').count(), 0);
    assert.equal(await page.evaluate(() => window.pwned), undefined);
  });

  test('a read-only operator is offered no Show, Copy or Rotate', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to OpenLAPS' }).waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.getItem('openlaps.token')), null);
    await signIn('reader', 'reader-password-1');
    await page.getByTestId('signed-in-as').filter({ hasText: 'Rita Reader' }).waitFor();
    await openDevice('web-ws-02');
    await page.getByTestId('account-name').filter({ hasText: 'root' }).waitFor();
    await page.getByTestId('last-rotation').waitFor();
    for (const name of ['Show', 'Copy', 'Rotate local admin password', 'Show password history']) {
      assert.equal(await page.getByRole('button', { name, exact: true }).count(), 0, `${name} is not offered`);
    }
    assert.equal(await page.getByRole('link', { name: 'Audit log' }).count(), 0);
    await screenshot('device-read-only');
    await page.getByRole('link', { name: 'Policies', exact: true }).click();
    await page.getByRole('link', { name: 'Stricter LAPS' }).waitFor();
    assert.equal(await page.getByRole('link', { name: 'Create policy' }).count(), 0);
  });

  test('no script error, CSP violation or unexpected failed request along the way', () => {
    assert.deepEqual(problems, []);
  });
});
