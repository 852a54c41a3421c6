import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { readTreeFromDir } from '../src/sandbox/file-tree.js';

it('readTreeFromDir reads files, folders and symlinks with their modes, in name order', async () => {
  const root = await mkdtemp(join(tmpdir(), 'ibench-read-tree-'));
  try {
    await mkdir(join(root, 'b/deep'), { recursive: true });
    await mkdir(join(root, 'empty'));
    await writeFile(join(root, 'b/deep/x.py'), 'print(1)\n');
    await writeFile(join(root, 'a.sh'), '#!/bin/sh\n');
    await chmod(join(root, 'a.sh'), 0o755);
    await chmod(join(root, 'empty'), 0o700);
    await symlink('b/deep/x.py', join(root, 'link'));
    const tree = await readTreeFromDir(root);
    expect([...tree.keys()]).toEqual(['a.sh', 'b', 'b/deep', 'b/deep/x.py', 'empty', 'link']);
    expect(tree.get('a.sh')).toEqual({ kind: 'file', content: Buffer.from('#!/bin/sh\n'), mode: 0o755 });
    expect(tree.get('b/deep/x.py')).toEqual({ kind: 'file', content: Buffer.from('print(1)\n'), mode: 0o644 });
    expect(tree.get('empty')).toEqual({ kind: 'dir', mode: 0o700 });
    expect(tree.get('link')).toEqual({ kind: 'symlink', target: 'b/deep/x.py' });
    await expect(readTreeFromDir(join(root, 'missing'))).rejects.toThrow(/ENOENT/);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
