// The slug rules of SEO ticket WEB-412 (README.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { slugify } from '../src/slug.js';
import { permalink } from '../src/permalink.js';

function check(title: string, expected: string): void {
  const slug = slugify(title);
  assert.equal(typeof slug, 'string');
  assert.equal(slug, expected, `slugify(${JSON.stringify(title)})`);
}

test('plain titles', () => {
  check('Hello World', 'hello-world');
  check('Top 10 Tips for 2024', 'top-10-tips-for-2024');
  check('already-a-slug', 'already-a-slug');
});

test('accents are folded', () => {
  check('Ångström Über Café', 'angstrom-uber-cafe');
});

test('ampersands are spelled out', () => {
  check('Q&A', 'q-and-a');
  check('Tom & Jerry', 'tom-and-jerry');
});

test('apostrophes and dots are dropped', () => {
  check("Don't Panic", 'dont-panic');
  check('It’s 2024', 'its-2024');
  check('Vue.js vs. React', 'vuejs-vs-react');
  check("What's New in Node.js 20", 'whats-new-in-nodejs-20');
});

test('runs of other characters become one dash, none at the ends', () => {
  check('  --Hello--  ', 'hello');
  check('a  /  b', 'a-b');
  check('!!! ???', '');
  check('', '');
});

test('permalinks use the slug', () => {
  assert.equal(permalink({ title: 'Vue.js vs. React', date: '2024-03-09' }), '/2024/03/vuejs-vs-react/');
});
