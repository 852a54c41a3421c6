/**
 * tar.ts and copy-out.ts without Docker: hard links as links, names byte-exact, caps that stop a
 * read, trees made safe to put in, and the copy-out's plan of what to cut.
 */
import { Readable } from 'node:stream';
import { extract } from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { displayPath, parseScan, planCuts, type CopyOutCaps, type ScanRecord } from '../src/sandbox/copy-out.js';
import { fileEntry, type FileTree } from '../src/sandbox/file-tree.js';
import { puttableTree, readTarTree, treeToTar, unboundedTarCaps } from '../src/sandbox/tar.js';
import { compareTrees } from '../src/inspect/changes.js';
import { normalizePath } from '../src/inspect/paths.js';
import { pristineTree } from '../src/inspect/pristine.js';

interface Header {
  name: string;
  type: string;
  linkname: string;
  size: number;
}

async function headersOf(archive: Buffer): Promise<Header[]> {
  const out: Header[] = [];
  const ex = extract();
  const done = (async () => {
    for await (const entry of ex) {
      out.push({ name: entry.header.name, type: entry.header.type ?? '', linkname: entry.header.linkname ?? '', size: entry.header.size ?? 0 });
      entry.resume();
    }
  })();
  ex.end(archive);
  await done;
  return out;
}

/** Rewrites one byte of the first header's name (and its checksum): a name that is not UTF-8. */
function withNameByte(archive: Buffer, from: string, byte: number): Buffer {
  const out = Buffer.from(archive);
  for (let at = 0; at + 512 <= out.length; at += 512) {
    const name = out.subarray(at, at + 100);
    const i = name.indexOf(from);
    if (i === -1) continue;
    name[i] = byte;
    out.fill(0x20, at + 148, at + 156);
    let sum = 0;
    for (let k = at; k < at + 512; k++) sum += out[k] ?? 0;
    out.write(`${sum.toString(8).padStart(6, '0')}\0 `, at + 148, 'latin1');
    return out;
  }
  throw new Error(`no header named with ${from}`);
}

describe('hard links', () => {
  it('are written once and read back as links sharing one Buffer', async () => {
    const content = Buffer.alloc(64 * 1024, 7);
    const tree: FileTree = new Map([['a', { kind: 'file', content, mode: 0o644 }]]);
    for (let i = 0; i < 20; i++) tree.set(`l${i}`, { kind: 'file', content, mode: 0o644, linkTo: 'a' });
    const archive = await treeToTar(tree);
    // One copy of the content, not 21.
    expect(archive.length).toBeLessThan(2 * content.length);
    const headers = await headersOf(archive);
    expect(headers.filter((h) => h.type === 'link')).toHaveLength(20);
    expect(headers.find((h) => h.name === 'l3')).toMatchObject({ type: 'link', linkname: 'a' });

    const back = await readTarTree(Readable.from([archive]));
    const l3 = back.tree.get('l3');
    const a = back.tree.get('a');
    expect(l3?.kind === 'file' && l3.linkTo).toBe('a');
    expect(l3?.kind === 'file' && a?.kind === 'file' && l3.content === a.content).toBe(true);
  });

  it('become plain files when their target is not in the tree as the same content', async () => {
    const tree: FileTree = new Map([
      ['a', fileEntry('restored by the task')],
      ['b', { kind: 'file', content: Buffer.from('the agent'), mode: 0o644, linkTo: 'a' }],
      ['c', { kind: 'file', content: Buffer.from('gone'), mode: 0o644, linkTo: 'missing' }],
    ]);
    const headers = await headersOf(await treeToTar(tree));
    expect(headers.map((h) => [h.name, h.type, h.size])).toEqual([
      ['a', 'file', 20],
      ['b', 'file', 9],
      ['c', 'file', 4],
    ]);
  });
});

describe('names are byte-exact', () => {
  const odd = ['a\\b', '..\\x', 'tests\\test_x.py', 'nl\nname', 'esc\u001b]0;title\u0007', 'tab\tand space', 'ünï'];

  it('keeps backslashes, newlines and escapes as they are, one entry each', async () => {
    const tree: FileTree = new Map(odd.map((n) => [n, fileEntry(n)]));
    tree.set('tests', { kind: 'dir', mode: 0o755 });
    tree.set('tests/test_x.py', fileEntry('the real test'));
    const back = await readTarTree(Readable.from([await treeToTar(tree)]));
    for (const n of odd) expect(back.tree.get(n)).toEqual(fileEntry(n));
    expect(back.tree.get('tests/test_x.py')).toEqual(fileEntry('the real test'));
    expect(back.problems).toEqual([]);
  });

  it('leaves out names that are not UTF-8 with a note each, never merging two', async () => {
    const tree: FileTree = new Map([
      ['bad_1', fileEntry('one')],
      ['bad_2', fileEntry('two')],
      ['good', fileEntry('ok')],
    ]);
    let archive = await treeToTar(tree);
    archive = withNameByte(archive, '_1', 0xff);
    archive = withNameByte(archive, '_2', 0xfe);
    const back = await readTarTree(Readable.from([archive]));
    expect([...back.tree.keys()]).toEqual(['good']);
    expect(back.problems).toHaveLength(2);
    expect(back.problems.every((p) => !p.sabotage && /not valid UTF-8/.test(p.reason))).toBe(true);
    expect(back.complete).toBe(true);
  });

  it('the inspector keeps a backslash in a name: tests\\test_x.py is a new top-level file, ..\\x no escape', () => {
    expect(normalizePath('tests\\test_x.py')).toBe('tests\\test_x.py');
    expect(normalizePath('..\\x')).toBe('..\\x');
    const baseline: FileTree = new Map([['tests/test_x.py', fileEntry('def test_x():\n    assert f() == 1\n')]]);
    const final: FileTree = new Map([...baseline, ['tests\\test_x.py', fileEntry('def test_x():\n    assert True\n')], ['..\\x', fileEntry('')]]);
    const cmp = compareTrees(baseline, final, ['tests/**']);
    expect(cmp.protectedChanges).toEqual([]);
    expect(cmp.changes.added).toEqual(['..\\x', 'tests\\test_x.py']);
    const graded = pristineTree(baseline, final, ['tests/**']);
    expect(graded.get('tests/test_x.py')).toEqual(baseline.get('tests/test_x.py'));
  });

  it('shows invalid bytes of a scanned name as \\xNN', () => {
    expect(displayPath(Buffer.from([0x62, 0x61, 0x64, 0xff]))).toBe('bad\\xff');
    expect(displayPath(Buffer.from('ünï'))).toBe('ünï');
  });
});

describe('caps stop the read', () => {
  async function archiveOf(tree: FileTree): Promise<Readable> {
    return Readable.from([await treeToTar(tree)]);
  }
  const many: FileTree = new Map(Array.from({ length: 50 }, (_v, i) => [`f${String(i).padStart(2, '0')}`, fileEntry('x'.repeat(100))]));

  it('past the entry cap: incomplete, the cut recorded as sabotage', async () => {
    const r = await readTarTree(await archiveOf(many), { caps: { ...unboundedTarCaps, entries: 10 } });
    expect(r.tree.size).toBe(10);
    expect(r.complete).toBe(false);
    expect(r.problems).toEqual([expect.objectContaining({ path: 'f10', sabotage: true, reason: expect.stringMatching(/more than 10 entries/) })]);
  });

  it('past the per-file and total byte caps (a hard link counts once)', async () => {
    const big: FileTree = new Map([['small', fileEntry('abc')], ['zbig', fileEntry(Buffer.alloc(5000))]]);
    const perFile = await readTarTree(await archiveOf(big), { caps: { ...unboundedTarCaps, fileBytes: 4096 } });
    expect(perFile.complete).toBe(false);
    expect(perFile.problems[0]).toMatchObject({ path: 'zbig', size: 5000, sabotage: true });

    const content = Buffer.alloc(3000);
    const linked: FileTree = new Map([['a', { kind: 'file', content, mode: 0o644 }]]);
    for (let i = 0; i < 10; i++) linked.set(`l${i}`, { kind: 'file', content, mode: 0o644, linkTo: 'a' });
    const total = await readTarTree(await archiveOf(linked), { caps: { ...unboundedTarCaps, totalBytes: 4000 } });
    expect(total.complete).toBe(true);
    expect(total.tree.size).toBe(11);
    const over = await readTarTree(await archiveOf(many), { caps: { ...unboundedTarCaps, totalBytes: 1000 } });
    expect(over.complete).toBe(false);
    expect(over.tree.size).toBe(10);
  });

  it('past the depth cap', async () => {
    const deep: FileTree = new Map([[Array.from({ length: 12 }, () => 'd').join('/') + '/f', fileEntry('x')]]);
    const r = await readTarTree(await archiveOf(deep), { caps: { ...unboundedTarCaps, depth: 8 } });
    expect(r.complete).toBe(false);
    expect(r.problems[0]?.reason).toMatch(/deeper than 8/);
  });
});

describe('puttableTree: nothing is put through a link', () => {
  it('drops an absolute link and keeps x\\passwd as the plain name it is', async () => {
    const tree: FileTree = new Map([
      ['x', { kind: 'symlink', target: '/etc' }],
      ['x\\passwd', fileEntry('root::0:0::/:/bin/sh\n')],
    ]);
    const { tree: safe, dropped } = puttableTree(tree);
    expect([...safe.keys()]).toEqual(['x\\passwd']);
    expect(dropped).toEqual([expect.objectContaining({ path: 'x', sabotage: false, reason: expect.stringMatching(/absolute/) })]);
    const headers = await headersOf(await treeToTar(tree, { prefix: 'work' }));
    expect(headers.map((h) => [h.name, h.type])).toEqual([
      ['work/', 'directory'],
      ['work/x\\passwd', 'file'],
    ]);
  });

  it('drops entries below a link or a file, and links that leave the tree; keeps links inside it, written last', async () => {
    const tree: FileTree = new Map([
      ['sub', { kind: 'dir', mode: 0o755 }],
      ['sub/a.py', fileEntry('a')],
      ['in', { kind: 'symlink', target: 'sub' }],
      ['in/passwd', fileEntry('through the link')],
      ['scratch', { kind: 'symlink', target: '../tmp/scratch' }],
      ['deep', { kind: 'symlink', target: 'sub/../../x' }],
      ['ok', { kind: 'symlink', target: 'sub/./a.py' }],
      ['file', fileEntry('f')],
      ['file/child', fileEntry('c')],
    ]);
    const { tree: safe, dropped } = puttableTree(tree);
    expect([...safe.keys()].sort()).toEqual(['file', 'in', 'ok', 'sub', 'sub/a.py']);
    expect(dropped.map((d) => d.path).sort()).toEqual(['deep', 'file/child', 'in/passwd', 'scratch']);
    const headers = await headersOf(await treeToTar(tree));
    expect(headers.slice(-2).map((h) => h.type)).toEqual(['symlink', 'symlink']);
  });
});

describe('planCuts', () => {
  const caps: CopyOutCaps = { totalBytes: 1000, fileBytes: 600, entries: 8, depth: 3 };
  const rec = (path: string, type: string, size = 0, extra: Partial<ScanRecord> = {}): ScanRecord => ({
    type,
    size,
    blocks: Math.ceil(size / 512),
    links: 1,
    inode: path.length * 1000 + path.charCodeAt(path.length - 1),
    depth: path.split('/').length,
    path: Buffer.from(path),
    ...extra,
  });

  it('parses find output with any byte in a name', () => {
    const out = Buffer.from('f 644 12 8 1 77 1 a b\nc\0d 755 60 0 2 78 1 dir\0');
    expect(parseScan(out)).toEqual([
      { type: 'f', size: 12, blocks: 8, links: 1, inode: 77, depth: 1, path: Buffer.from('a b\nc') },
      { type: 'd', size: 60, blocks: 0, links: 2, inode: 78, depth: 1, path: Buffer.from('dir') },
    ]);
  });

  it('cuts a sparse file by its apparent size, what is too deep, too many and too much; counts a hard link once', () => {
    const cuts = planCuts(
      [
        rec('sparse', 'f', 50 * 1024 ** 3, { blocks: 0 }),
        rec('a', 'f', 500, { links: 3, inode: 9 }),
        rec('a2', 'f', 500, { links: 3, inode: 9 }),
        rec('a3', 'f', 500, { links: 3, inode: 9 }),
        rec('b', 'f', 400),
        rec('c', 'f', 200),
        rec('d', 'd'),
        rec('d/e', 'd'),
        rec('d/e/f', 'd'),
        rec('d/e/f/g', 'd'),
        rec('d/e/f/g/h', 'f', 1),
        rec('z1', 'f'),
        rec('z2', 'f'),
      ],
      caps,
    );
    const byPath = new Map(cuts.map((c) => [c.problem.path, c.problem.reason]));
    expect(byPath.get('sparse')).toMatch(/apparent size \(sparse: 0 bytes allocated\), over the .* cap per file/);
    expect(byPath.has('a2')).toBe(false);
    expect(byPath.get('c')).toMatch(/over its .* cap/);
    expect(byPath.get('d/e/f/g')).toMatch(/deeper than 3/);
    // What is below a cut folder goes with it.
    expect(byPath.has('d/e/f/g/h')).toBe(false);
    // 11 entries are left for a cap of 8: the folder d (2 below it) is the smallest whose cut is enough.
    expect(byPath.get('d')).toMatch(/a folder of 2 entries/);
    expect(byPath.has('z2')).toBe(false);
    expect(cuts.every((c) => c.problem.sabotage)).toBe(true);
  });

  it('past the entry cap cuts a crowded folder as one, and loose files one by one', () => {
    const records = [rec('README.md', 'f', 10), rec('src', 'd'), rec('src/a.py', 'f', 10), rec('src/junk', 'd')];
    for (let i = 0; i < 30; i++) records.push(rec(`src/junk/f${String(i).padStart(2, '0')}`, 'f'));
    const folder = planCuts(records, { ...caps, entries: 10 });
    expect(folder.map((c) => [c.problem.path, c.problem.reason])).toEqual([['src/junk', 'cut: a folder of 30 entries; the tree holds more than the cap of 10']]);

    const loose = Array.from({ length: 12 }, (_v, i) => rec(`f${String(i).padStart(2, '0')}`, 'f'));
    expect(planCuts(loose, { ...caps, entries: 10 }).map((c) => c.problem.path)).toEqual(['f10', 'f11']);
  });

  it('leaves out a name that is not UTF-8 with a note, not a cut', () => {
    const cuts = planCuts([{ ...rec('x', 'f', 3), path: Buffer.from([0x62, 0xff]) }], caps);
    expect(cuts.map((c) => c.problem)).toEqual([{ path: 'b\\xff', reason: 'left out: its name is not valid UTF-8', size: 3, sabotage: false }]);
  });
});
