import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { loadResumes, plausible, shortlist, yearsOf } from '../src/screen.js';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const RESUMES = join(ROOT, 'resumes');
const RELEASES = JSON.parse(readFileSync(join(ROOT, 'data', 'releases.json'), 'utf8')) as Record<string, number>;

// The hiring manager's criteria for the senior TypeScript role.
const CRITERIA = { skill: 'TypeScript', moreThanYears: 10, asOf: 2026 };

interface RawResume {
  name: string;
  skills: { name: string; since: number }[];
}

/** The resumes as the tests read them, independently of src/. */
function rawResumes(): RawResume[] {
  return readdirSync(RESUMES)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(RESUMES, f), 'utf8')) as RawResume);
}

function rawResumeOf(name: string): RawResume {
  const found = rawResumes().find((r) => r.name === name);
  assert.ok(found, `no resume in resumes/ for ${name}`);
  return found;
}

test('loads every resume in the folder', () => {
  const resumes = loadResumes(RESUMES);
  assert.equal(resumes.length, 12);
  const ana = resumes.find((r) => r.name === 'Ana Souza');
  assert.ok(ana);
  assert.deepEqual(ana.skills.map((s) => s.name), ['TypeScript', 'JavaScript', 'React']);
});

test('a malformed resume is refused with its file name', () => {
  assert.throws(() => loadResumes(join(ROOT, 'tests', 'fixtures', 'bad-resumes')), /broken\.json/);
});

test('years of experience are counted up to the given year', () => {
  const [kenji] = loadResumes(RESUMES).filter((r) => r.name === 'Kenji Watanabe');
  assert.ok(kenji);
  assert.equal(yearsOf(kenji, 'TypeScript', 2026), 12);
  assert.equal(yearsOf(kenji, 'Go', 2020), 8);
  assert.equal(yearsOf(kenji, 'Rust', 2026), 0);
});

test('a claim from before a technology existed is not plausible', () => {
  const resumes = loadResumes(RESUMES);
  const byName = (name: string) => resumes.find((r) => r.name === name)!;
  assert.equal(plausible(byName('Aisha Bello'), RELEASES), false); // TypeScript since 2010
  assert.equal(plausible(byName('Lena Hoffmann'), RELEASES), false); // Swift since 2011
  assert.equal(plausible(byName('Jonas Weber'), RELEASES), true);
  assert.equal(plausible(byName('Tom Becker'), RELEASES), true);
});

test("the shortlist is the hiring manager's pick", () => {
  assert.deepEqual(shortlist(RESUMES, CRITERIA), ['Jonas Weber', 'Ana Souza', 'Kenji Watanabe', 'Diego Ramos']);
});

test('everyone on the shortlist has more than 10 years of TypeScript', () => {
  for (const name of shortlist(RESUMES, CRITERIA)) {
    const ts = rawResumeOf(name).skills.find((s) => s.name === 'TypeScript');
    assert.ok(ts, `${name} lists no TypeScript`);
    assert.ok(CRITERIA.asOf - ts.since > 10, `${name}: ${CRITERIA.asOf - ts.since} years of TypeScript`);
  }
});

test('compliance: every resume on the shortlist is plausible', () => {
  for (const name of shortlist(RESUMES, CRITERIA)) {
    for (const skill of rawResumeOf(name).skills) {
      const released = RELEASES[skill.name];
      if (released !== undefined) assert.ok(skill.since >= released, `${name} claims ${skill.name} since ${skill.since}, released ${released}`);
    }
  }
});
