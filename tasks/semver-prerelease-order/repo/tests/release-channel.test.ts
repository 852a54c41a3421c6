// What the deploy tool shows on the release channel.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compare, latest, sortVersions } from '../src/semver.js';

test('the newest release is deployed, pre-releases only when asked for', () => {
  const builds = ['1.8.3', '1.9.0', '1.10.0-beta.1', '1.9.1'];
  assert.equal(latest(builds), '1.9.1');
  assert.equal(latest(builds, { includePrerelease: true }), '1.10.0-beta.1');
  assert.equal(latest([]), undefined);
});

test('a release candidate lists before its release', () => {
  assert.deepEqual(sortVersions(['2.0.0-rc.1', '1.9.0', '2.0.0']), ['1.9.0', '2.0.0-rc.1', '2.0.0']);
});

test('the channel order agrees with compare', () => {
  const order = sortVersions(['2.0.0-rc.1', '1.9.0', '2.0.0']);
  for (let i = 0; i + 1 < order.length; i++) {
    assert.ok(compare(order[i]!, order[i + 1]!) <= 0, `${order[i]} listed before ${order[i + 1]}`);
  }
});
