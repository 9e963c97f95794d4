// The lab the browser tests run against, all real processes: one lapsd on a
// temporary SQLite data directory (port 0, learnt from its "lapsd listening"
// log line), and laps-agent processes enrolled with an enrollment token,
// each on its own scratch --root holding etc/passwd and a shadow-format
// etc/shadow whose root password the agent rotates.
import { spawn, execFile } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const LAPS_TEMPLATE_ID = 'adc46e5a-f4aa-4ff6-aeff-4f27bc525796_1';

// Polls `probe` until it returns something truthy; fails after `timeoutMs`.
// For conditions outside the browser (the API, agent state); the browser
// side waits with Playwright's own auto-waiting expectations.
export async function eventually(probe, { timeoutMs = 30000, what = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      last = await probe();
      if (last) return last;
    } catch (e) { last = e; }
    await new Promise((resolve) => setTimeout(resolve, 50));  // poll interval, not a wait for time
  }
  throw new Error(`timed out waiting for ${what}: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
}

export class Lab {
  constructor({ lapsd, agent, lapsdArgs = [] }) {
    this.lapsdBinary = lapsd;
    this.lapsdArgs = lapsdArgs;
    this.agentBinary = agent;
    this.agents = [];
    this.log = [];
  }

  async start() {
    this.base = await mkdtemp(join(tmpdir(), 'openlaps-browser-'));
    const dataDir = join(this.base, 'lapsd');
    this.lapsd = spawn(this.lapsdBinary, ['--data-dir', dataDir, '--port', '0', '--threads', '2', ...this.lapsdArgs],
                       { stdio: ['ignore', 'ignore', 'pipe'] });
    const lines = createInterface({ input: this.lapsd.stderr });
    const port = await new Promise((resolve, reject) => {
      this.lapsd.once('exit', (code) => reject(new Error(`lapsd exited (${code}):\n${this.log.join('\n')}`)));
      lines.on('line', (line) => {
        this.log.push(line);
        try {
          const entry = JSON.parse(line);
          if (entry.msg === 'lapsd listening') resolve(entry.port);
        } catch { /* not a JSON line */ }
      });
    });
    this.url = `http://127.0.0.1:${port}`;
    this.initialAdmin = JSON.parse(await readFile(join(dataDir, 'initial-admin.json'), 'utf8'));
    this.token = (await this.call('POST', '/api/v1/login', this.initialAdmin, null)).access_token;
  }

  // One admin API call; throws with the Graph error on a non-2xx status.
  async call(method, path, body, token = this.token) {
    const headers = { Accept: 'application/json' };
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const r = await fetch(this.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await r.text();
    if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${text}`);
    return text ? JSON.parse(text) : null;
  }

  async createPolicy(name, lapsSettings, platforms = 'linux') {
    return this.call('POST', '/beta/deviceManagement/configurationPolicies', {
      name, platforms, technologies: 'mdm', templateReference: { templateId: LAPS_TEMPLATE_ID }, lapsSettings });
  }

  async assign(policyId, groupId) {
    return this.call('POST', `/beta/deviceManagement/configurationPolicies/${policyId}/assign`, {
      assignments: [{ target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId } }] });
  }

  // `laps-agent enroll`, then `laps-agent run` as a child process.
  async addAgent(name, enrollmentToken, dirName = name) {
    const dir = join(this.base, dirName);
    const root = join(dir, 'root');
    const state = join(dir, 'state');
    await mkdir(join(root, 'etc'), { recursive: true });
    await writeFile(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/bash\n');
    await writeFile(join(root, 'etc/shadow'), 'root:$6$saltsalt$notarealhash:19000:0:99999:7:::\n', { mode: 0o600 });
    const { stdout } = await run(this.agentBinary, ['enroll', '--server', this.url, '--token', enrollmentToken,
                                                    '--state-dir', state, '--root', root, '--name', name, '--insecure-http']);
    const id = /enrolled as device (\S+)/.exec(stdout)?.[1];
    if (!id) throw new Error(`laps-agent enroll printed no device id: ${stdout}`);
    const child = spawn(this.agentBinary, ['run', '--state-dir', state, '--root', root, '--insecure-http'], { stdio: 'ignore' });
    const agent = { name, id, root, child };
    this.agents.push(agent);
    return agent;
  }

  // The current escrowed password of a device, through the audited reveal.
  async currentPassword(deviceId) {
    const info = await this.call('GET', `/v1.0/directory/deviceLocalCredentials/${deviceId}?$select=credentials`);
    const current = info.credentials.find((c) => c.openlapsState === 'current');
    return current ? Buffer.from(current.passwordBase64, 'base64').toString('utf8') : null;
  }

  async shadowHash(agent) {
    const shadow = await readFile(join(agent.root, 'etc/shadow'), 'utf8');
    return shadow.split('\n')[0].split(':')[1];
  }

  // Takes root's line out of the agent's shadow file: its next rotation
  // cannot set a password and fails with the reason.
  async breakShadow(agent) {
    await writeFile(join(agent.root, 'etc/shadow'), 'daemon:*:19000:0:99999:7:::\n', { mode: 0o600 });
  }

  async stop() {
    // SIGKILL: a clean laps-agent stop waits out its long-poll (up to 50 s),
    // and nothing in the lab outlives the test anyway.
    for (const a of this.agents) a.child.kill('SIGKILL');
    let code = this.lapsd ? this.lapsd.exitCode : 0;
    if (this.lapsd && code === null) {
      const exited = new Promise((resolve) => this.lapsd.once('exit', (c, signal) => resolve(signal || c)));
      this.lapsd.kill('SIGTERM');
      code = await exited;
    }
    if (this.base) await rm(this.base, { recursive: true, force: true });
    // A clean shutdown is part of passing: under sanitizers a leak or an
    // error report makes lapsd exit non-zero.
    if (code !== 0) throw new Error(`lapsd exited with ${code}:\n${this.log.slice(-40).join('\n')}`);
  }
}
