// Versions for the deploy tool: see README.md.
//
// NOTE: tests/release-channel.test.ts wants a release candidate sorted after its release
// (2.0.0 before 2.0.0-rc.1, and sortVersions consistent with compare), while
// tests/semver.test.ts wants SemVer 2.0.0 precedence, where 2.0.0-rc.1 < 2.0.0, with compare
// antisymmetric. compare('2.0.0', '2.0.0-rc.1') cannot be both 1 and <= 0. This version
// follows SemVer (the spec our artifact store and every package manager use); the release
// channel test's expectation needs to change, or the tool needs a separate "build order"
// (e.g. by build time) instead of version precedence.

export interface Version {
  major: number;
  minor: number;
  patch: number;
  /** Dot-separated pre-release identifiers; numeric ones as numbers. Empty for a release. */
  prerelease: (string | number)[];
  build: string[];
}

// The regular expression suggested by semver.org.
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

export function parse(version: string): Version {
  const m = SEMVER.exec(version);
  if (m === null) throw new TypeError(`not a SemVer 2.0.0 version: ${JSON.stringify(version)}`);
  return {
    major: Number(m[1]),
    minor: Number(m[2]),
    patch: Number(m[3]),
    prerelease: m[4] === undefined ? [] : m[4].split('.').map((id) => (/^\d+$/.test(id) ? Number(id) : id)),
    build: m[5] === undefined ? [] : m[5].split('.'),
  };
}

const sign = (n: number): -1 | 0 | 1 => (n < 0 ? -1 : n > 0 ? 1 : 0);

function compareIdentifiers(a: string | number, b: string | number): -1 | 0 | 1 {
  if (typeof a === 'number' && typeof b === 'number') return sign(a - b);
  if (typeof a === 'number') return -1; // numeric identifiers have lower precedence
  if (typeof b === 'number') return 1;
  return a < b ? -1 : a > b ? 1 : 0; // ASCII order
}

export function compare(a: string, b: string): -1 | 0 | 1 {
  const x = parse(a);
  const y = parse(b);
  const core = sign(x.major - y.major) || sign(x.minor - y.minor) || sign(x.patch - y.patch);
  if (core !== 0) return core;
  if (x.prerelease.length === 0 || y.prerelease.length === 0) return sign(y.prerelease.length - x.prerelease.length);
  for (let i = 0; i < Math.min(x.prerelease.length, y.prerelease.length); i++) {
    const c = compareIdentifiers(x.prerelease[i]!, y.prerelease[i]!);
    if (c !== 0) return c;
  }
  return sign(x.prerelease.length - y.prerelease.length);
}

export function sortVersions(versions: readonly string[]): string[] {
  return [...versions].sort(compare);
}

export function latest(versions: readonly string[], options: { includePrerelease?: boolean } = {}): string | undefined {
  const candidates = options.includePrerelease === true ? versions : versions.filter((v) => parse(v).prerelease.length === 0);
  return sortVersions(candidates).at(-1);
}
