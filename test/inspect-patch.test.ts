import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyPatch, parsePatch } from 'diff';
import { fileEntry, readTreeFromDir, type FileTree } from '../src/sandbox/file-tree.js';
import { gitQuotePath, gitUnescapePath, isBinary, makePatch } from '../src/inspect/patch.js';
import { edited, taskRepo } from './fixtures/inspect/task.js';

describe('makePatch', () => {
  const base = taskRepo();

  it('is empty when nothing changed but caches', () => {
    expect(makePatch(base, edited(base, { '__pycache__/x.pyc': 'x', '.git/HEAD': 'x' }))).toBe('');
  });

  it('writes git-style sections in path order', () => {
    const final = edited(base, {
      'cli.py': 'def main():\n    print("hi")\n',
      'README.md': null,
      'b.py': 'B = 1\n',
      'a.py': 'A = 1',
    });
    const patch = makePatch(base, final);
    const headers = patch.split('\n').filter((l) => l.startsWith('diff --git'));
    expect(headers).toEqual(['diff --git a/README.md b/README.md', 'diff --git a/a.py b/a.py', 'diff --git a/b.py b/b.py', 'diff --git a/cli.py b/cli.py']);
    expect(patch).toContain('deleted file mode 100644\n--- a/README.md\n+++ /dev/null\n@@ -1,');
    expect(patch).toContain('new file mode 100644\n--- /dev/null\n+++ b/a.py\n@@ -0,0 +1,1 @@\n+A = 1\n\\ No newline at end of file\n');
    expect(patch).toContain('--- a/cli.py\n+++ b/cli.py\n@@ -1,2 +1,2 @@\n def main():\n-    raise NotImplementedError\n+    print("hi")\n');
    // The text patch of cli.py applies back onto the original.
    const cli = parsePatch(patch).find((p) => p.newFileName === 'b/cli.py');
    expect(cli).toBeDefined();
    if (cli !== undefined) expect(applyPatch('def main():\n    raise NotImplementedError\n', cli)).toBe('def main():\n    print("hi")\n');
  });

  it('notes binary files, modes and symlinks', () => {
    const final = edited(base, {
      'blob.bin': fileEntry(Buffer.from([0, 1, 2, 3])),
      'cli.py': fileEntry('def main():\n    raise NotImplementedError\n', 0o755),
      'link.py': { kind: 'symlink', target: 'cli.py' },
      'tests/test_cli.py': { kind: 'symlink', target: '/tmp/fake.py' },
    });
    const patch = makePatch(base, final);
    expect(patch).toContain('diff --git a/blob.bin b/blob.bin\nnew file mode 100644\nBinary files /dev/null and b/blob.bin differ\n');
    expect(patch).toContain('diff --git a/cli.py b/cli.py\nold mode 100644\nnew mode 100755\n');
    expect(patch).toContain('diff --git a/link.py b/link.py\nnew file mode 120000\n--- /dev/null\n+++ b/link.py\n@@ -0,0 +1,1 @@\n+cli.py\n\\ No newline at end of file\n');
    // A file replaced by a symlink: a deletion then an addition.
    expect(patch).toContain('diff --git a/tests/test_cli.py b/tests/test_cli.py\ndeleted file mode 100644\n');
    expect(patch).toContain('diff --git a/tests/test_cli.py b/tests/test_cli.py\nnew file mode 120000\n--- /dev/null\n+++ b/tests/test_cli.py\n@@ -0,0 +1,1 @@\n+/tmp/fake.py\n');
  });

  it('is stable whatever the order of the maps', () => {
    const a = edited(base, { 'z.py': 'z\n', 'a.py': 'a\n' });
    const b = new Map([...a.entries()].reverse());
    expect(makePatch(base, a)).toBe(makePatch(new Map([...base.entries()].reverse()), b));
  });

  it('isBinary', () => {
    expect(isBinary(Buffer.from('héllo\n'))).toBe(false);
    expect(isBinary(Buffer.from([0xff, 0xfe, 0x41]))).toBe(true);
    expect(isBinary(Buffer.from('a\0b'))).toBe(true);
  });

  it('quotes odd names as git does', () => {
    expect(gitQuotePath('a/plain name.py')).toBe('a/plain name.py');
    expect(gitQuotePath('a/x\ny')).toBe('"a/x\\ny"');
    expect(gitQuotePath('a/q"b\\c\td')).toBe('"a/q\\"b\\\\c\\td"');
    expect(gitQuotePath('a/\x1b[2J')).toBe('"a/\\033[2J"');
    expect(gitQuotePath('a/é')).toBe('"a/\\303\\251"');
    for (const name of ['a/x\ny', 'a/q"b\\c\td', 'a/\x1b[2J', 'a/é 日本', 'a/plain.py', 'a/\x07\x7f']) {
      const quoted = gitQuotePath(name);
      expect(gitUnescapePath(quoted.startsWith('"') ? quoted.slice(1, -1) : quoted)).toBe(name);
    }
  });

  it('stays a well-formed patch that git applies for names with newlines, quotes, escapes and non-ASCII', async () => {
    // (A `\` in a name is quoted by gitQuotePath above; makePatch's tree keys are normalised by the
    // copy-out, which owns how a backslash is taken.)
    const odd = ['new\nline.py', 'quote".py', 'tab\there.py', 'esc\x1b]0;title\x07.py', 'café.py', 'two words.py', 'dir with space/x.py'];
    const baseline: FileTree = new Map([
      ['keep.py', fileEntry('A = 1\n')],
      ['gone\nname.py', fileEntry('old\n')],
      ['edit "me".py', fileEntry('x = 1\ny = 2\n')],
    ]);
    const final: FileTree = new Map([
      ['keep.py', fileEntry('A = 1\n')],
      ['edit "me".py', fileEntry('x = 1\ny = 3\n')],
      ...odd.map((name): [string, ReturnType<typeof fileEntry>] => [name, fileEntry(`# ${name.length}\n`)]),
      ['bin\nary.dat', fileEntry(Buffer.from([0, 1, 2]))],
      ['link\nto', { kind: 'symlink', target: 'keep.py' }],
    ]);
    const patch = makePatch(baseline, final);
    // Every line is a header, a hunk line or a known marker: no name broke a line.
    for (const line of patch.split('\n').filter((l) => l !== '')) {
      expect(line).toMatch(/^(diff --git |new file mode |deleted file mode |--- |\+\+\+ |@@ |[-+ \\]|Binary files )/);
    }
    expect(patch).toContain('diff --git "a/bin\\nary.dat" "b/bin\\nary.dat"\nnew file mode 100644\nBinary files /dev/null and "b/bin\\nary.dat" differ\n');
    // git apply needs full indexes for a binary section: it is checked by its header above, and
    // git applies the rest.
    const textPatch = patch
      .split(/(?=^diff --git )/m)
      .filter((section) => !section.includes('Binary files'))
      .join('');
    final.delete('bin\nary.dat');
    const dir = mkdtempSync(join(tmpdir(), 'ibench-patch-'));
    try {
      execFileSync('git', ['init', '-q', dir]);
      for (const [name, entry] of baseline) {
        if (entry.kind !== 'file') continue;
        mkdirSync(dirname(join(dir, name)), { recursive: true });
        writeFileSync(join(dir, name), entry.content);
      }
      execFileSync('git', ['apply', '--check', '-'], { cwd: dir, input: textPatch });
      execFileSync('git', ['apply', '-'], { cwd: dir, input: textPatch });
      rmSync(join(dir, '.git'), { recursive: true, force: true });
      const tree = await readTreeFromDir(dir);
      expect([...tree.keys()].filter((k) => tree.get(k)?.kind !== 'dir').sort()).toEqual([...final.keys()].sort());
      for (const [name, entry] of final) expect(tree.get(name)).toEqual(entry);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
