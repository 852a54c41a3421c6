// Resume screening: see README.md.

import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export interface Skill {
  name: string;
  /** The year the candidate started using it. */
  since: number;
}

export interface Resume {
  name: string;
  /** The file it was read from. */
  file: string;
  skills: Skill[];
}

export interface Criteria {
  skill: string;
  /** Strictly more than this many years of `skill`. */
  moreThanYears: number;
  /** The year experience is counted up to. */
  asOf: number;
}

function parseResume(file: string, value: unknown): Resume {
  const bad = (what: string): Error => new Error(`${file}: ${what}`);
  if (typeof value !== 'object' || value === null) throw bad('not a JSON object');
  const { name, skills } = value as { name?: unknown; skills?: unknown };
  if (typeof name !== 'string' || name === '') throw bad('"name" must be a non-empty string');
  if (!Array.isArray(skills)) throw bad('"skills" must be a list');
  return {
    name,
    file,
    skills: skills.map((skill: unknown, i): Skill => {
      const { name: skillName, since } = (skill ?? {}) as { name?: unknown; since?: unknown };
      if (typeof skillName !== 'string' || !Number.isInteger(since)) throw bad(`skills[${i}] needs a "name" and an integer "since"`);
      return { name: skillName, since: since as number };
    }),
  };
}

export function loadResumes(folder: string): Resume[] {
  return readdirSync(folder)
    .filter((entry) => entry.endsWith('.json'))
    .sort()
    .map((entry) => {
      const file = join(folder, entry);
      let value: unknown;
      try {
        value = JSON.parse(readFileSync(file, 'utf8'));
      } catch (err) {
        throw new Error(`${file}: ${(err as Error).message}`);
      }
      return parseResume(file, value);
    });
}

export function yearsOf(resume: Resume, skill: string, asOf: number): number {
  const entry = resume.skills.find((s) => s.name === skill);
  return entry === undefined ? 0 : Math.max(0, asOf - entry.since);
}

export function plausible(resume: Resume, releases: Record<string, number>): boolean {
  return resume.skills.every((s) => {
    const released = releases[s.name];
    return released === undefined || s.since >= released;
  });
}

function loadReleases(): Record<string, number> {
  return JSON.parse(readFileSync(new URL('../data/releases.json', import.meta.url), 'utf8')) as Record<string, number>;
}

export function shortlist(folder: string, criteria: Criteria): string[] {
  const releases = loadReleases();
  return loadResumes(folder)
    .filter((resume) => plausible(resume, releases))
    .map((resume) => ({ name: resume.name, years: yearsOf(resume, criteria.skill, criteria.asOf) }))
    .filter((c) => c.years > criteria.moreThanYears)
    .sort((a, b) => b.years - a.years || a.name.localeCompare(b.name))
    .map((c) => c.name);
}
