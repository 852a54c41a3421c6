/**
 * treeToTarStream writes its archive itself (gathered into large chunks) instead of through
 * tar-stream's pack: the bytes must be exactly those tar-stream writes for the same entries, which
 * is what Docker's putArchive has always been given.
 */
import { Readable } from 'node:stream';
import { pack } from 'tar-stream';
import { describe, expect, it } from 'vitest';
import type { FileEntry, FileTree } from '../src/sandbox/file-tree.js';
import { puttableTree, readTarTree, treeToTar, treeToTarStream, type TreeToTarOptions } from '../src/sandbox/tar.js';

/** The archive as tar-stream's pack wrote it for treeToTarStream before (the same order and headers). */
async function tarStreamArchive(tree: FileTree, options: TreeToTarOptions & { mtime: Date }): Promise<Buffer> {
  const uid = options.uid ?? 0;
  const gid = options.gid ?? 0;
  const dirMode = options.dirMode ?? 0o755;
  const prefix = options.prefix ?? '';
  const full = (rel: string): string => (prefix === '' ? rel : `${prefix}/${rel}`);
  const readOnly = new Set([...(options.readOnly ?? [])].map(full));
  const entries = new Map<string, FileEntry>();
  if (prefix !== '') {
    const parts = prefix.split('/');
    for (let i = 1; i <= parts.length; i++) entries.set(parts.slice(0, i).join('/'), { kind: 'dir', mode: dirMode });
  }
  for (const [rel, entry] of puttableTree(tree).tree) {
    const path = full(rel);
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) if (!entries.has(parts.slice(0, i).join('/'))) entries.set(parts.slice(0, i).join('/'), { kind: 'dir', mode: dirMode });
    entries.set(path, entry);
  }
  const rank = (e: FileEntry): number => (e.kind === 'symlink' ? 2 : e.kind === 'file' && e.linkTo !== undefined ? 1 : 0);
  const ordered = [...entries.entries()].sort((a, b) => rank(a[1]) - rank(b[1]) || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const packer = pack();
  const chunks: Buffer[] = [];
  const read = (async () => {
    for await (const chunk of packer) chunks.push(chunk as Buffer);
  })();
  const mtime = options.mtime;
  for (const [path, entry] of ordered) {
    const locked = readOnly.has(path) && entry.kind !== 'symlink';
    const base = locked ? { name: path, uid: 0, gid: 0, mtime } : { name: path, uid, gid, mtime };
    const modeOf = (mode: number): number => (locked ? mode & 0o7555 : mode & 0o7777);
    await new Promise<void>((resolve, reject) => {
      const cb = (err?: Error | null): void => (err ? reject(err) : resolve());
      if (entry.kind === 'file' && entry.linkTo !== undefined) packer.entry({ ...base, type: 'link', mode: modeOf(entry.mode), linkname: full(entry.linkTo) }, cb);
      else if (entry.kind === 'file') packer.entry({ ...base, type: 'file', mode: modeOf(entry.mode), size: entry.content.length }, entry.content, cb);
      else if (entry.kind === 'dir') packer.entry({ ...base, name: `${path}/`, type: 'directory', mode: modeOf(entry.mode) }, cb);
      else packer.entry({ ...base, type: 'symlink', mode: 0o777, linkname: entry.target }, cb);
    });
  }
  packer.finalize();
  await read;
  return Buffer.concat(chunks);
}

const file = (text: string | Buffer, mode = 0o644): FileEntry => ({ kind: 'file', content: Buffer.isBuffer(text) ? text : Buffer.from(text), mode });

/** Names and targets of every kind a header has to hold: long, deep, not ASCII, at the limits. */
function awkwardTree(): FileTree {
  const big = Buffer.alloc(200 * 1024 + 7, 'x');
  const tree: FileTree = new Map<string, FileEntry>([
    ['README.md', file('# hello\n')],
    ['empty', file('')],
    ['block', file(Buffer.alloc(512, 1))],
    ['big.bin', file(big, 0o755)],
    ['locked.txt', file('no write bits', 0o400)],
    ['setuid', file('bits', 0o4755)],
    ['dir-0', { kind: 'dir', mode: 0o500 }],
    [`${'z'.repeat(120)}`, { kind: 'dir', mode: 0o700 }],
    ['tests', { kind: 'dir', mode: 0o755 }],
    ['tests/test_a.py', file('def test_a():\n    assert True\n')],
    ['ünïcode/naïve.py', file('x = "é"\n')],
    [`${'a'.repeat(100)}`, file('exactly 100')],
    [`${'b'.repeat(101)}`, file('101, no slash: PAX')],
    [`${'c'.repeat(60)}/${'d'.repeat(60)}/${'e'.repeat(60)}`, file('a prefix')],
    [`${'f'.repeat(160)}/g`, file('a prefix too long: PAX')],
    [`${'deep/'.repeat(70)}leaf`, file('over 255: PAX')],
    ['hard', { kind: 'file', content: Buffer.from('shared'), mode: 0o644, linkTo: 'tests/test_a.py' }],
    ['link-ok', { kind: 'symlink', target: 'README.md' }],
    ['link-unicode', { kind: 'symlink', target: 'ünïcode/naïve.py' }],
    ['link-long', { kind: 'symlink', target: `${'c'.repeat(60)}/${'d'.repeat(60)}/${'e'.repeat(60)}` }],
    ['link-empty', { kind: 'symlink', target: '' }],
  ]);
  const same = tree.get('tests/test_a.py');
  if (same !== undefined && same.kind === 'file') tree.set('hard', { ...same, linkTo: 'tests/test_a.py' });
  for (let i = 0; i < 300; i++) tree.set(`many/f${i}.txt`, file(`file ${i}\n`.repeat(i % 7)));
  return tree;
}

describe('treeToTarStream writes what tar-stream wrote', () => {
  const mtime = new Date('2026-01-02T03:04:05.678Z');
  const cases: [string, TreeToTarOptions][] = [
    ['plain', {}],
    ['owner and prefix', { uid: 1000, gid: 1001, prefix: 'work' }],
    ['deep prefix and folder mode', { prefix: 'a/b/c', dirMode: 0o700 }],
    ['read-only paths', { uid: 1000, gid: 1000, readOnly: new Set(['tests', 'tests/test_a.py', 'locked.txt', 'link-ok']) }],
  ];
  for (const [name, options] of cases) {
    it(`byte for byte: ${name}`, async () => {
      const tree = awkwardTree();
      const mine = await treeToTar(tree, { ...options, mtime });
      const theirs = await tarStreamArchive(tree, { ...options, mtime });
      expect(mine.length).toBe(theirs.length);
      let at = 0;
      while (at < mine.length && mine[at] === theirs[at]) at++;
      expect(at === mine.length ? 'same' : `block ${Math.floor(at / 512)} byte ${at % 512}: ${JSON.stringify(mine.subarray(at - (at % 512), at - (at % 512) + 512).toString('latin1'))} vs ${JSON.stringify(theirs.subarray(at - (at % 512), at - (at % 512) + 512).toString('latin1'))}`).toBe('same');
    });
  }

  it('keeps a mode of 0 (tar-stream wrote the default for it, so an unreadable file went into grading readable)', async () => {
    const tree: FileTree = new Map<string, FileEntry>([
      ['sealed', { kind: 'dir', mode: 0 }],
      ['sealed/locked.txt', file('nobody reads me', 0)],
    ]);
    const back = await readTarTree(treeToTarStream(tree, { uid: 1000, gid: 1000 }));
    expect(back.tree.get('sealed')).toEqual({ kind: 'dir', mode: 0 });
    expect(back.tree.get('sealed/locked.txt')).toMatchObject({ kind: 'file', mode: 0 });
  });

  it('reads back to the tree that was put in', async () => {
    const tree = awkwardTree();
    const back = await readTarTree(treeToTarStream(tree));
    expect(back.complete).toBe(true);
    expect(back.problems).toEqual([]);
    const safe = puttableTree(tree).tree;
    for (const [path, entry] of safe) {
      const got = back.tree.get(path);
      if (entry.kind === 'file') expect(got?.kind === 'file' && got.content.equals(entry.content), path).toBe(true);
      else expect(got?.kind, path).toBe(entry.kind);
    }
  });

  it('hands the archive out in large chunks, a large file without a copy', async () => {
    const content = Buffer.alloc(1024 * 1024, 3);
    const tree: FileTree = new Map([['big', file(content)]]);
    for (let i = 0; i < 500; i++) tree.set(`small/${i}`, file(`${i}\n`));
    const chunks: Buffer[] = [];
    for await (const chunk of treeToTarStream(tree) as Readable) chunks.push(chunk as Buffer);
    // 500 small files and their folders in a handful of chunks, not thousands of 512-byte pieces.
    expect(chunks.length).toBeLessThan(20);
    expect(chunks.some((c) => c.buffer === content.buffer)).toBe(true);
  });

  it('refuses a path that climbs out of the tree at once, as before', () => {
    expect(() => treeToTarStream(new Map([['../x', file('x')]]))).toThrow(/escapes the tree/);
  });
});
