import { isAbsolute, join } from 'node:path';
import { z } from 'zod';
import { sandboxesDir } from '../util/paths.js';
import { readValidatedFile } from '../util/validated-file.js';

const sizePattern = /^\d+(\.\d+)?[kmg]?$/i;
const size = z.string().regex(sizePattern, 'a size such as 512m or 1g');

export const sandboxProfileSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lowercase letters, digits and dashes'),
    description: z.string().default(''),
    /** Image reference, e.g. ibench-python:latest. */
    image: z.string().min(1),
    /** Folder under docker/ that builds the image (Dockerfile and offline recipe). */
    build: z.string().min(1),
    user: z.object({ name: z.string().min(1), uid: z.number().int().positive(), gid: z.number().int().positive() }).strict(),
    workdir: z.string().startsWith('/').default('/work'),
    network: z.enum(['none']).default('none'),
    /**
     * How to learn which modules the profile's test runner loads from outside /work (see
     * src/inspect/runner-modules.ts); a module of one of those names at the top of /work is a
     * runner shadow. Absent: only the fixed runner names count.
     */
    runnerProbe: z.enum(['pytest']).optional(),
    limits: z
      .object({
        memory: size.default('1g'),
        pids: z.number().int().min(16).default(256),
        cpus: z.number().positive().max(64).default(1),
        tmp: size.default('64m'),
        work: size.default('256m'),
        home: size.default('64m'),
      })
      .strict()
      .default({}),
  })
  .strict();

export type SandboxProfile = z.infer<typeof sandboxProfileSchema>;

export function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)([kmg]?)$/i.exec(text);
  if (m === null) throw new Error(`not a size: ${text}`);
  const unit = (m[2] ?? '').toLowerCase();
  const mult = unit === 'g' ? 1024 ** 3 : unit === 'm' ? 1024 ** 2 : unit === 'k' ? 1024 : 1;
  return Math.round(Number(m[1]) * mult);
}

/** A profile by name from sandboxes/, or by the absolute path of a profile file (one kept in a task's folder). */
export async function loadSandboxProfile(name: string, dir = sandboxesDir): Promise<SandboxProfile> {
  const file = isAbsolute(name) ? name : join(dir, `${name}.yaml`);
  return readValidatedFile(file, sandboxProfileSchema, { missing: `no sandbox profile named "${name}" (expected ${file})` });
}
