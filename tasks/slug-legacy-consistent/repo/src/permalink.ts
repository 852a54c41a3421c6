import { slugify } from './slug.js';

export interface Post {
  title: string;
  /** ISO date, e.g. 2024-05-01. */
  date: string;
}

/** The URL of a post: /YYYY/MM/<slug>/. */
export function permalink(post: Post): string {
  const m = /^(\d{4})-(\d{2})-\d{2}$/.exec(post.date);
  if (m === null) throw new Error(`post "${post.title}": date must be YYYY-MM-DD, got ${post.date}`);
  return `/${m[1]}/${m[2]}/${slugify(post.title)}/`;
}
