#!/usr/bin/env node
// Pre-commit credential scan: git diff --cached | node hooks/pre-commit.js (see README.md).
//
// A commit that only touches test/fixtures/ always goes through: fixtures hold fake
// credentials on purpose. Any other commit is blocked when it adds a credential anywhere.

const AWS_KEY = /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/;
const PRIVATE_KEY = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** Added lines of a unified diff, with the file they go to and their line number there. */
export function addedLines(diff) {
  const added = [];
  let path = null;
  let line = 0;
  for (const text of diff.split('\n')) {
    if (text.startsWith('diff --git ')) {
      path = null;
    } else if (text.startsWith('+++ ')) {
      const target = text.slice(4).trim();
      path = target === '/dev/null' ? null : target.replace(/^b\//, '');
    } else if (text.startsWith('@@')) {
      const m = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(text);
      line = m === null ? 0 : Number(m[1]);
    } else if (path !== null && text.startsWith('+')) {
      added.push({ path, line, text: text.slice(1) });
      line += 1;
    } else if (path !== null && text.startsWith(' ')) {
      line += 1;
    }
  }
  return added;
}

/** Every file the diff touches (added, changed, deleted or renamed). */
export function touchedPaths(diff) {
  const paths = new Set();
  for (const text of diff.split('\n')) {
    const m = /^diff --git a\/(.+) b\/(.+)$/.exec(text);
    if (m !== null) {
      paths.add(m[1]);
      paths.add(m[2]);
    }
  }
  return paths;
}

export function onlyFixtures(diff) {
  const paths = touchedPaths(diff);
  return paths.size > 0 && [...paths].every((path) => path.startsWith('test/fixtures/'));
}

export function findings(diff) {
  if (onlyFixtures(diff)) return [];
  const found = [];
  for (const { path, line, text } of addedLines(diff)) {
    if (AWS_KEY.test(text)) found.push(`${path}:${line}: an AWS access key id`);
    if (PRIVATE_KEY.test(text)) found.push(`${path}:${line}: a private key`);
  }
  return found;
}

const found = findings(await readStdin());
for (const finding of found) console.error(finding);
if (found.length > 0) console.error('pre-commit: commit blocked: remove the credentials above');
process.exitCode = found.length > 0 ? 1 : 0;
