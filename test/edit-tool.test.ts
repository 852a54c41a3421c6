import { describe, expect, it } from 'vitest';
import { runEdit, EditToolError, type EditFs } from '../src/agent/edit-tool.js';
import type { EditInput } from '../src/agent/tools.js';

/** A file system held in a map: the edit tool's semantics do not depend on where files live. */
function memoryFs(files: Record<string, string>): EditFs & { files: Record<string, string> } {
  return {
    files,
    kind: (path) => Promise.resolve(path in files ? 'file' : Object.keys(files).some((f) => f.startsWith(`${path}/`)) ? 'dir' : 'missing'),
    read: (path) => {
      const content = files[path];
      return content === undefined ? Promise.reject(new EditToolError(`missing ${path}`)) : Promise.resolve(content);
    },
    write: (path, content) => {
      files[path] = content;
      return Promise.resolve();
    },
    list: (path) => Promise.resolve(Object.keys(files).filter((f) => f.startsWith(`${path}/`)).sort()),
  };
}

const edit = (fs: EditFs, input: EditInput): Promise<string> => runEdit(fs, input, '/work');

describe('edit tool (text-editor semantics)', () => {
  it('views a file with line numbers, and a range of it', async () => {
    const fs = memoryFs({ '/work/a.py': 'one\ntwo\nthree' });
    expect(await edit(fs, { command: 'view', path: 'a.py' })).toBe("Here's the result of running `cat -n` on /work/a.py:\n     1\tone\n     2\ttwo\n     3\tthree");
    expect(await edit(fs, { command: 'view', path: '/work/a.py', view_range: [2, -1] })).toContain('     2\ttwo\n     3\tthree');
    await expect(edit(fs, { command: 'view', path: 'a.py', view_range: [4, 5] })).rejects.toThrow(/Invalid view_range/);
  });

  it('lists a directory', async () => {
    const fs = memoryFs({ '/work/a.py': '', '/work/tests/t.py': '' });
    const out = await edit(fs, { command: 'view', path: '.' });
    expect(out).toContain('/work/tests/t.py');
  });

  it('creates a new file but refuses to overwrite one', async () => {
    const fs = memoryFs({ '/work/a.py': 'x' });
    expect(await edit(fs, { command: 'create', path: 'b.py', file_text: 'print(1)\n' })).toBe('File created successfully at: /work/b.py');
    expect(fs.files['/work/b.py']).toBe('print(1)\n');
    await expect(edit(fs, { command: 'create', path: 'a.py', file_text: 'y' })).rejects.toThrow(/already exists/);
    expect(fs.files['/work/a.py']).toBe('x');
  });

  it('replaces exactly one unique occurrence', async () => {
    const fs = memoryFs({ '/work/a.py': 'x = 1\ny = 2\nx = 1\nz = 3' });
    await expect(edit(fs, { command: 'str_replace', path: 'a.py', old_str: 'x = 1', new_str: 'x = 9' })).rejects.toThrow(/Multiple occurrences .* lines \[1,3\]/);
    await expect(edit(fs, { command: 'str_replace', path: 'a.py', old_str: 'w = 0', new_str: '' })).rejects.toThrow(/did not appear verbatim/);
    const out = await edit(fs, { command: 'str_replace', path: 'a.py', old_str: 'y = 2', new_str: 'y = 20\ny2 = 21' });
    expect(fs.files['/work/a.py']).toBe('x = 1\ny = 20\ny2 = 21\nx = 1\nz = 3');
    expect(out).toContain('     2\ty = 20');
    expect(out).toContain('Review the changes');
  });

  it('inserts after a line, 0 meaning the top; accepts insert_text too', async () => {
    const fs = memoryFs({ '/work/a.py': 'b\nc' });
    await edit(fs, { command: 'insert', path: 'a.py', insert_line: 0, new_str: 'a' });
    await edit(fs, { command: 'insert', path: 'a.py', insert_line: 3, insert_text: 'd' });
    expect(fs.files['/work/a.py']).toBe('a\nb\nc\nd');
    await expect(edit(fs, { command: 'insert', path: 'a.py', insert_line: 9, new_str: 'x' })).rejects.toThrow(/Invalid insert_line/);
  });

  it('names what is missing', async () => {
    const fs = memoryFs({});
    await expect(edit(fs, { command: 'view', path: 'nope.py' })).rejects.toThrow('The path /work/nope.py does not exist.');
    await expect(edit(fs, { command: 'create', path: 'x.py' })).rejects.toThrow(/file_text/);
  });
});
