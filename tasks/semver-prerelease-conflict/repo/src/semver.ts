// Versions for the deploy tool: see README.md.

export interface Version {
  major: number;
  minor: number;
  patch: number;
  /** Dot-separated pre-release identifiers; numeric ones as numbers. Empty for a release. */
  prerelease: (string | number)[];
  build: string[];
}

export function parse(version: string): Version {
  throw new Error('not implemented');
}

export function compare(a: string, b: string): -1 | 0 | 1 {
  throw new Error('not implemented');
}

export function sortVersions(versions: readonly string[]): string[] {
  throw new Error('not implemented');
}

export function latest(versions: readonly string[], options: { includePrerelease?: boolean } = {}): string | undefined {
  throw new Error('not implemented');
}
