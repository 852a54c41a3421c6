// Held-out titles for the WEB-412 slug rules (README.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { slugify } from '../src/slug.js';

const cases: [string, string][] = [
  ["Let's Talk About Monorepos", 'lets-talk-about-monorepos'],
  ['Next.js & Deno: A Comparison', 'nextjs-and-deno-a-comparison'],
  ['Naïve Façades in São Paulo', 'naive-facades-in-sao-paulo'],
  ['v1.2.3 Release Notes', 'v123-release-notes'],
  ['  ...Trailing Dots...  ', 'trailing-dots'],
  ['C++ / C# — Which One?', 'c-c-which-one'],
  ['R&D at 3am', 'r-and-d-at-3am'],
  ['Rock ’n’ Roll Deploys', 'rock-n-roll-deploys'],
];

for (const [title, slug] of cases) {
  test(`held out: ${JSON.stringify(title)}`, () => {
    assert.equal(slugify(title), slug);
  });
}
