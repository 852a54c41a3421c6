/**
 * What an agent can reach from inside a CLI agent's container, set up as runCliAgent sets it up
 * (the agent image, the proxy folder mounted, the model proxy on its socket, the forwarder): a
 * probe run as the agent user, with the adapter's environment, while the harness's own environment
 * holds sentinel keys. It reaches the proxy and nothing else, and finds the keys nowhere.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claudeCode } from '../src/agent/cli/claude-code.js';
import { ensureAgentImage } from '../src/agent/cli/image.js';
import { FORWARDER_PORT } from '../src/agent/cli/forwarder.js';
import { agentModelName, makeProxyDir, openProxyRoute, runCliAgent } from '../src/agent/cli/run.js';
import { loadCondition } from '../src/agent/condition.js';
import { TranscriptWriter, type TimedEvent } from '../src/agent/transcript.js';
import type { ModelProxy } from '../src/agent/proxy/server.js';
import { ScriptedModel } from '../src/models/scripted.js';
import { DockerSandboxFactory } from '../src/sandbox/docker-sandbox.js';
import { loadSandboxProfile } from '../src/sandbox/profile.js';
import type { Sandbox } from '../src/sandbox/types.js';

// Two halves, joined only here and in the probe's memory: the probe's own command line and
// environment never hold the whole sentinel, so finding it anywhere means it leaked.
const HALVES = [`sk-ant-sentinel-${randomBytes(6).toString('hex')}`, `-${randomBytes(6).toString('hex')}-leak`] as const;
const SENTINEL = HALVES.join('');
const saved = { ANTHROPIC_API_KEY: process.env.ANTHROPIC_API_KEY, OPENAI_API_KEY: process.env.OPENAI_API_KEY };

let sandbox: Sandbox | undefined;
let proxy: ModelProxy | undefined;
let proxyDir: { path: string; remove: () => Promise<void> } | undefined;
let listener: Server | undefined;
let hostPort = 0;
let gateway = '172.17.0.1';

const PROBE = String.raw`
import json, os, socket, sys, urllib.request, subprocess
sentinel = (sys.argv[1] + sys.argv[2]).encode()
targets = json.loads(sys.argv[3])
out = {'ifaces': sorted(os.listdir('/sys/class/net')), 'tcp': {}, 'sockets': [], 'found': [], 'unreadable': 0, 'searched': 0, 'bytes': 0}
for host, port in targets:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(1.5)
    try:
        s.connect((host, port))
        out['tcp'][f'{host}:{port}'] = 'connected'
    except Exception as e:
        out['tcp'][f'{host}:{port}'] = type(e).__name__ + ': ' + str(e)
    finally:
        s.close()
def proxy_models():
    try:
        with urllib.request.urlopen('http://127.0.0.1:${FORWARDER_PORT}/v1/models', timeout=5) as r:
            return r.status
    except Exception as e:
        return str(e)
out['proxy'] = proxy_models()
# The forwarder runs as nobody: the agent user cannot stop it.
kills = []
for pid in os.listdir('/proc'):
    if not pid.isdigit():
        continue
    try:
        cmd = open(f'/proc/{pid}/cmdline', 'rb').read()
    except Exception:
        continue
    if cmd.startswith(b'node\0/opt/ibench/'):
        try:
            os.kill(int(pid), 9)
            kills.append('killed')
        except Exception as e:
            kills.append(type(e).__name__)
out['kill_forwarder'] = kills
out['proxy_after_kill'] = proxy_models()
def search(path):
    try:
        out['searched'] += 1
        with open(path, 'rb') as f:
            tail = b''
            while True:
                chunk = f.read(1 << 20)
                if not chunk:
                    return
                out['bytes'] += len(chunk)
                if sentinel in tail + chunk:
                    out['found'].append(path)
                    return
                tail = chunk[-len(sentinel):]
    except Exception:
        out['unreadable'] += 1
for root, dirs, files in os.walk('/'):
    if root == '/':
        dirs[:] = [d for d in dirs if d not in ('proc', 'sys', 'dev')]
    for name in files:
        p = os.path.join(root, name)
        try:
            st = os.lstat(p)
        except Exception:
            continue
        import stat
        if stat.S_ISSOCK(st.st_mode):
            out['sockets'].append([p, st.st_uid])
        elif stat.S_ISREG(st.st_mode):
            search(p)
for pid in os.listdir('/proc'):
    if pid.isdigit() or pid == 'self':
        for part in ('environ', 'cmdline'):
            search(f'/proc/{pid}/{part}')
ps = subprocess.run(['ps', 'auxeww'], capture_output=True).stdout
if sentinel in ps:
    out['found'].append('ps auxeww')
if sentinel in json.dumps(dict(os.environ)).encode():
    out['found'].append('os.environ')
out['docker_sock'] = [p for p in ('/var/run/docker.sock', '/run/docker.sock') if os.path.exists(p)]
print(json.dumps(out))
`;

beforeAll(async () => {
  process.env.ANTHROPIC_API_KEY = SENTINEL;
  process.env.OPENAI_API_KEY = SENTINEL;
  const docker = new Docker();
  const profile = await loadSandboxProfile('python');
  const agentProfile = (await ensureAgentImage(profile, claudeCode, { docker })).profile;
  const bridge = await docker.getNetwork('bridge').inspect() as { IPAM?: { Config?: { Gateway?: string }[] } };
  gateway = bridge.IPAM?.Config?.[0]?.Gateway ?? gateway;
  // A listener on every host address: the probe must not reach it on any of them.
  listener = createServer((s) => s.end('host\n'));
  await new Promise<void>((resolve) => listener?.listen(0, '0.0.0.0', resolve));
  const address = listener.address();
  hostPort = typeof address === 'object' && address !== null ? address.port : 0;

  proxyDir = await makeProxyDir();
  sandbox = await new DockerSandboxFactory(docker).create(agentProfile, { 'ibench.episode': `probe-${randomBytes(4).toString('hex')}` }, { proxyDir: proxyDir.path });
  proxy = await openProxyRoute({ sandbox, proxyDir: proxyDir.path, model: new ScriptedModel('scripted:probe', []), limits: { calls: 10 } });
}, 600_000);

afterAll(async () => {
  await proxy?.close();
  await sandbox?.close();
  await proxyDir?.remove();
  await new Promise<void>((resolve) => (listener === undefined ? resolve() : listener.close(() => resolve())));
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

interface ProbeOut {
  ifaces: string[];
  tcp: Record<string, string>;
  proxy: number | string;
  kill_forwarder: string[];
  proxy_after_kill: number | string;
  /** Unix sockets found in the file system, with their owner's uid. */
  sockets: [string, number][];
  found: string[];
  unreadable: number;
  searched: number;
  bytes: number;
  docker_sock: string[];
}

function probeTargets(): [string, number][] {
  const hostAddresses = Object.values(networkInterfaces())
    .flat()
    .filter((a) => a !== undefined && a.family === 'IPv4')
    .map((a) => a?.address ?? '');
  return [
    ['127.0.0.1', FORWARDER_PORT],
    ['127.0.0.1', 22],
    ['127.0.0.1', 2375],
    [gateway, 22],
    [gateway, 2375],
    [gateway, hostPort],
    ...hostAddresses.map((a): [string, number] => [a, hostPort]),
    ['8.8.8.8', 53],
    ['1.1.1.1', 443],
  ];
}

/** Plants the control (the sentinel in one file, which the search must find, and only it), then probes. */
function probeScript(): string {
  const plant = `printf '%s%s' ${HALVES[0]} ${shellWord(HALVES[1])} > /tmp/planted-control`;
  const b64 = Buffer.from(PROBE).toString('base64');
  return `${plant} && echo ${b64} | base64 -d > /tmp/probe.py && python3 /tmp/probe.py ${HALVES[0]} ${shellWord(HALVES[1])} ${shellWord(JSON.stringify(probeTargets()))}`;
}

function expectContained(out: ProbeOut): void {
  expect(out.ifaces).toEqual(['lo']);
  expect(out.proxy).toBe(200);
  const reached = Object.entries(out.tcp).filter(([, r]) => r === 'connected').map(([t]) => t);
  expect(reached).toEqual([`127.0.0.1:${FORWARDER_PORT}`]);
  expect(Object.keys(out.tcp)).toContain(`${gateway}:${hostPort}`);
  expect(out.kill_forwarder).toEqual(['PermissionError']);
  expect(out.proxy_after_kill).toBe(200);
  expect(out.docker_sock).toEqual([]);
  // The proxy's is the one socket from outside; any other is the agent's own (Claude Code makes one in /tmp).
  const proxySocket = out.sockets.filter(([p]) => p === '/run/ibench-proxy/proxy.sock');
  expect(proxySocket).toHaveLength(1);
  const others = out.sockets.filter(([p]) => p !== '/run/ibench-proxy/proxy.sock');
  for (const [path, uid] of others) {
    expect(path).toMatch(/^\/(tmp|home\/agent)\//);
    expect(uid).toBe(1000);
  }
  expect(out.found).toEqual(['/tmp/planted-control']);
  // The search read the image's files, the agent's binary among them.
  expect(out.searched).toBeGreaterThan(1000);
  expect(out.bytes).toBeGreaterThan(400_000_000);
}

describe('the agent container of a CLI agent', () => {
  it('reaches the model proxy and nothing else, and holds no key of the harness (probe as the agent user, the adapter env)', async () => {
    if (sandbox === undefined) throw new Error('no sandbox');
    // The probe runs as the agent runs: the agent user, the adapter's environment, in /work.
    const env = claudeCode.command({
      instruction: 'probe',
      systemPrompt: '',
      model: agentModelName('scripted:probe', claudeCode),
      baseUrl: `http://127.0.0.1:${FORWARDER_PORT}`,
      home: '/home/agent',
      workdir: '/work',
    }).env;
    const result = await sandbox.exec(probeScript(), { env, timeoutMs: 120_000, keepBytes: 4 * 1024 * 1024 });
    expect(result.stderr.text).toBe('');
    expect(result.exitCode).toBe(0);
    expectContained(JSON.parse(result.stdout.text) as ProbeOut);
  }, 180_000);

  it('the same from inside Claude Code: its Bash tool runs the probe in a runCliAgent episode', async () => {
    const docker = new Docker();
    const profile = (await ensureAgentImage(await loadSandboxProfile('python'), claudeCode, { docker })).profile;
    const dir = await makeProxyDir();
    const box = await new DockerSandboxFactory(docker).create(profile, { 'ibench.episode': `probe-cc-${randomBytes(4).toString('hex')}` }, { proxyDir: dir.path });
    try {
      const transcriptPath = join(await mkdtemp(join(tmpdir(), 'ibench-probe-')), 'transcript.jsonl');
      const run = await runCliAgent({
        adapter: claudeCode,
        model: new ScriptedModel('scripted:probe', [{ tool: 'Bash', input: { command: probeScript(), description: 'Probe' } }, { text: 'Probed.' }]),
        sandbox: box,
        proxyDir: dir.path,
        condition: await loadCondition('neutral'),
        instruction: 'Probe the sandbox.',
        limits: { steps: 5, seconds: 120 },
        transcript: new TranscriptWriter(transcriptPath),
      });
      expect(run.endReason).toBe('exited');
      const events = (await readFile(transcriptPath, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as TimedEvent);
      const result = events.find((e) => e.type === 'tool_result');
      const content = result?.type === 'tool_result' ? result.content : '';
      const line = content.split('\n').find((l) => l.startsWith('{')) ?? content;
      expectContained(JSON.parse(line) as ProbeOut);
    } finally {
      await box.close();
      await dir.remove();
    }
  }, 180_000);
});

function shellWord(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
