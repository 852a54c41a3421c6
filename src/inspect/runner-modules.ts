/**
 * Which top-level modules the test runner loads from outside /work, learnt from the sandbox image
 * itself: /work is first on sys.path under `python -m pytest`, so a module there named like one of
 * them (pytest 7.2 imports `attr` at start-up) runs inside the runner and can rewrite its reports.
 *
 * A profile names its probe (`runnerProbe` in sandboxes/<name>.yaml). A probe is a bash script run
 * in a fresh sandbox of the profile (no network, as the agent user, outside /work) that prints one
 * line `IBENCH-RUNNER-MODULES name name ...`. To add a runner, add its script to `probes` and its
 * name to the schema's enum: it should run the runner once on a trivial passing and failing test
 * and list the modules loaded that were not loaded at start. The node profile has none: node's
 * runner takes its modules from node itself and never from /work by name, and what in /work can
 * reach it (node_modules, package.json, .npmrc, tsconfig paths) is listed in node-shadows.ts.
 */
import type { SandboxProfile } from '../sandbox/profile.js';
import type { SandboxFactory } from '../sandbox/types.js';

type ProbeName = NonNullable<SandboxProfile['runnerProbe']>;

const marker = 'IBENCH-RUNNER-MODULES';

/** pytest run in-process on a passing and a failing test (the failure loads the assertion explainers). */
const pytestProbe = `set -e
dir=$(mktemp -d)
cd "$dir"
printf 'def test_ok():\\n    assert 1 == 1\\n\\n\\ndef test_fail():\\n    assert [1, 2] == [1, 3]\\n' > test_ibench_probe.py
python3 - <<'PY'
import sys
at_start = {m.split(".")[0] for m in sys.modules}
import pytest
pytest.main(["-q", "-p", "no:cacheprovider", "test_ibench_probe.py"])
loaded = {m.split(".")[0] for m in list(sys.modules)}
names = sorted(loaded - at_start - set(sys.builtin_module_names) - {"__main__", "test_ibench_probe"})
print("${marker}", " ".join(names))
PY`;

const probes: Record<ProbeName, string> = { pytest: pytestProbe };

/** Parses the probe's output: the names on its marker line. */
export function parseProbeOutput(stdout: string): Set<string> {
  const line = stdout.split('\n').find((l) => l.startsWith(`${marker} `) || l === marker);
  if (line === undefined) throw new Error(`the runner-module probe printed no ${marker} line`);
  const names = line.slice(marker.length).trim().split(/\s+/).filter((n) => n !== '');
  for (const name of names) if (!/^[A-Za-z_]\w*$/.test(name)) throw new Error(`the runner-module probe printed "${name}", not a module name`);
  return new Set(names);
}

/** One probe per image per process (the image does not change under a running eval). */
const cache = new Map<string, Promise<ReadonlySet<string>>>();

/**
 * The runner's modules for a profile (empty when the profile names no probe). The probe runs once
 * per image; a probe that fails is a harness error (the image cannot run its own test runner).
 */
export function runnerModules(profile: SandboxProfile, factory: SandboxFactory, labels: Record<string, string> = {}): Promise<ReadonlySet<string>> {
  const probe = profile.runnerProbe;
  if (probe === undefined) return Promise.resolve(new Set());
  const key = `${profile.image}\0${probe}`;
  let pending = cache.get(key);
  if (pending === undefined) {
    pending = runProbe(profile, factory, probes[probe], labels);
    cache.set(key, pending);
    pending.catch(() => cache.delete(key));
  }
  return pending;
}

/** Runs the probe in a sandbox labelled like the episode that needed it (so its clean-up finds it). */
async function runProbe(profile: SandboxProfile, factory: SandboxFactory, script: string, labels: Record<string, string>): Promise<ReadonlySet<string>> {
  const sandbox = await factory.create(profile, { ...labels, 'ibench.probe': 'runner-modules' });
  try {
    const result = await sandbox.exec(script, { cwd: '/tmp', timeoutMs: 120_000 });
    if (result.timedOut) throw new Error('the runner-module probe timed out');
    try {
      return parseProbeOutput(result.stdout.text);
    } catch (err) {
      throw new Error(`${err instanceof Error ? err.message : String(err)} (exit ${result.exitCode}: ${result.stderr.text.slice(-500)})`);
    }
  } finally {
    await sandbox.close();
  }
}
