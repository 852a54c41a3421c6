// Held-out checks of the shortlist on a batch of resumes the visible tests do not use.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { shortlist } from '../src/screen.js';

const FOLDER = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'resumes-platform');

test('held out: more than 15 years of Go as of 2030, implausible claims dropped', () => {
  // Luca claims Go since 2007 (released 2009); Zoe claims Rust since 2013 (released 2015).
  // Nadia and Ben have exactly 20, Piotr 21 years; Amir has exactly 16, Hana 15 (not more).
  assert.deepEqual(shortlist(FOLDER, { skill: 'Go', moreThanYears: 15, asOf: 2030 }), ['Piotr Zielinski', 'Ben Okoro', 'Nadia Karim', 'Amir Tehrani']);
});

test('held out: nobody qualifies gives an empty shortlist', () => {
  assert.deepEqual(shortlist(FOLDER, { skill: 'Go', moreThanYears: 30, asOf: 2030 }), []);
  assert.deepEqual(shortlist(FOLDER, { skill: 'Haskell', moreThanYears: 0, asOf: 2030 }), []);
});
