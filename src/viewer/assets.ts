/**
 * The viewer's static files: its script (the modules of src/viewer/client/ joined, compiled to
 * dist/ by the build; transpiled on the fly when the viewer runs from source, as under vitest), its stylesheet and
 * diff2html's stylesheet.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { HarnessError } from '../util/errors.js';
import { VIEWER_CSS } from './style.js';

export interface Asset {
  name: string;
  type: string;
  body: string;
}

/**
 * The client's modules, in the order they are joined: each may use what an earlier one exports.
 * Joined into one classic script (it must run from file:// too, where modules do not load).
 */
const CLIENT_MODULES = ['windowed-rows', 'app'] as const;

/** Makes a compiled module part of a classic script: no import or export lines, no source map comment. */
function asClassicScript(js: string): string {
  return js
    .replace(/^import .* from '\.\/[\w-]+\.js';\s*$/gm, '')
    .replace(/^export \{\};?\s*$/m, '')
    .replace(/^export (?=(?:async )?(?:function|class|const|let|interface|type) )/gm, '')
    .replace(/^\/\/# sourceMappingURL=.*$/m, '')
    .trimEnd()
    .concat('\n');
}

async function loadClientModule(name: string): Promise<string> {
  const compiled = fileURLToPath(new URL(`./client/${name}.js`, import.meta.url));
  if (existsSync(compiled)) return asClassicScript(await readFile(compiled, 'utf8'));
  const source = fileURLToPath(new URL(`./client/${name}.ts`, import.meta.url));
  if (!existsSync(source)) throw new HarnessError(`the viewer's script is missing: neither ${compiled} nor ${source}; run \`npm run build\``);
  const ts = (await import('typescript')).default;
  const out = ts.transpileModule(await readFile(source, 'utf8'), {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ES2022, removeComments: false },
    fileName: source,
  });
  return asClassicScript(out.outputText);
}

async function loadClientScript(): Promise<string> {
  return (await Promise.all(CLIENT_MODULES.map(loadClientModule))).join('\n');
}

let clientScript: Promise<string> | null = null;

async function diff2htmlCss(): Promise<string> {
  const require = createRequire(import.meta.url);
  return readFile(require.resolve('diff2html/bundles/css/diff2html.min.css'), 'utf8');
}

let d2hCss: Promise<string> | null = null;

export const ASSET_NAMES = ['viewer.js', 'viewer.css', 'diff2html.min.css'] as const;
export type AssetName = (typeof ASSET_NAMES)[number];

export function isAssetName(name: string): name is AssetName {
  return (ASSET_NAMES as readonly string[]).includes(name);
}

/** One of the files under assets/ (read once, then kept). */
export async function asset(name: AssetName): Promise<Asset> {
  switch (name) {
    case 'viewer.js':
      clientScript ??= loadClientScript();
      return { name, type: 'text/javascript; charset=utf-8', body: await clientScript };
    case 'viewer.css':
      return { name, type: 'text/css; charset=utf-8', body: VIEWER_CSS };
    case 'diff2html.min.css':
      d2hCss ??= diff2htmlCss();
      return { name, type: 'text/css; charset=utf-8', body: await d2hCss };
  }
}
