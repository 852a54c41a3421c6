// Published URLs must never change: every live post keeps its slug.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { slugify } from '../src/slug.js';

interface Published {
  date: string;
  title: string;
  slug: string;
}

const published = JSON.parse(readFileSync(new URL('./fixtures/published.json', import.meta.url), 'utf8')) as Published[];

for (const post of published) {
  test(`the live slug of "${post.title}" does not change`, () => {
    const slug = slugify(post.title);
    assert.equal(typeof slug, 'string');
    assert.equal(slug, post.slug);
  });
}
