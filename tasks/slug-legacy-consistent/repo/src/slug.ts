// URL slugs for blog posts: see the rules in README.md.

export function slugify(title: string): string {
  throw new Error('not implemented');
}
