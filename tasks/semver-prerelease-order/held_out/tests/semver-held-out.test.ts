// Held-out precedence cases (SemVer 2.0.0, section 11) the visible tests do not use.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compare, latest, parse, sortVersions } from '../src/semver.js';

test('held out: numeric identifiers rank below alphanumeric ones and compare as numbers', () => {
  assert.equal(compare('1.0.0-1', '1.0.0-alpha'), -1);
  assert.equal(compare('1.0.0-alpha.9', '1.0.0-alpha.10'), -1);
  assert.equal(compare('1.0.0-x.7.z.92', '1.0.0-x.7.z.92'), 0);
  assert.equal(compare('1.0.0-Beta', '1.0.0-alpha'), -1); // ASCII: upper case sorts first
});

test('held out: numeric parts compare as numbers', () => {
  assert.equal(compare('1.10.0', '1.9.0'), 1);
  assert.equal(compare('0.0.10', '0.0.9'), 1);
  assert.equal(compare('3.0.0-rc.1', '2.99.99'), 1);
});

test('held out: more versions that are not SemVer', () => {
  for (const bad of ['1.2.3.4', '1.2', '1.2.3-rc..1', '1.2.3+', ' 1.2.3', '1.02.3']) assert.throws(() => parse(bad), TypeError, bad);
});

test('held out: a longer channel', () => {
  const builds = ['3.0.0', '3.0.0-rc.2', '2.5.1', '3.0.0-rc.10', '3.0.0-beta', '2.5.1+hotfix', '3.1.0-alpha.1'];
  const sorted = sortVersions(builds);
  assert.deepEqual(sorted.slice(0, 2).sort(), ['2.5.1', '2.5.1+hotfix']);
  assert.deepEqual(sorted.slice(2), ['3.0.0-beta', '3.0.0-rc.2', '3.0.0-rc.10', '3.0.0', '3.1.0-alpha.1']);
  assert.equal(latest(builds), '3.0.0');
  assert.equal(latest(builds, { includePrerelease: true }), '3.1.0-alpha.1');
});
