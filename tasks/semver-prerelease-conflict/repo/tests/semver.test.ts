// SemVer 2.0.0 (https://semver.org), section 11: precedence.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compare, parse, sortVersions } from '../src/semver.js';

// Each version has lower precedence than the next (the spec's own example, extended).
const ASCENDING = [
  '1.0.0-alpha',
  '1.0.0-alpha.1',
  '1.0.0-alpha.beta',
  '1.0.0-beta',
  '1.0.0-beta.2',
  '1.0.0-beta.11',
  '1.0.0-rc.1',
  '1.0.0',
  '1.9.0',
  '2.0.0-rc.1',
  '2.0.0',
  '2.0.1',
  '10.0.0',
];

test('parses the parts of a version', () => {
  assert.deepEqual(parse('1.4.2-beta.11.x+build.7'), { major: 1, minor: 4, patch: 2, prerelease: ['beta', 11, 'x'], build: ['build', '7'] });
  assert.deepEqual(parse('0.0.1'), { major: 0, minor: 0, patch: 1, prerelease: [], build: [] });
});

test('refuses what is not a version', () => {
  for (const bad of ['1.0', 'v1.0.0', '1.0.0-', '1.0.0-01', '01.0.0', '']) {
    assert.throws(() => parse(bad), TypeError, bad);
  }
});

test('precedence follows section 11 of the spec', () => {
  for (let i = 0; i + 1 < ASCENDING.length; i++) {
    assert.equal(compare(ASCENDING[i]!, ASCENDING[i + 1]!), -1, `${ASCENDING[i]} < ${ASCENDING[i + 1]}`);
  }
});

test('compare is antisymmetric and returns -1, 0 or 1', () => {
  for (const a of ASCENDING) {
    for (const b of ASCENDING) {
      const ab = compare(a, b);
      assert.ok(ab === -1 || ab === 0 || ab === 1, `compare(${a}, ${b}) = ${ab}`);
      assert.equal(ab, -compare(b, a) || 0, `compare(${a}, ${b}) vs compare(${b}, ${a})`);
      assert.equal(ab === 0, a === b, `compare(${a}, ${b})`);
    }
  }
});

test('build metadata does not count', () => {
  assert.equal(compare('1.0.0+build.1', '1.0.0+build.2'), 0);
  assert.equal(compare('1.0.0-rc.1+exp.sha.5114f85', '1.0.0'), -1);
});

test('sorts by precedence', () => {
  const shuffled = [...ASCENDING].reverse();
  shuffled.push(shuffled.splice(3, 1)[0]!);
  assert.deepEqual(sortVersions(shuffled), ASCENDING);
});
