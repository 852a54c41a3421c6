/** Why `text` is not an http(s) URL with a host (an API endpoint), or null when it is one. */
export function httpUrlProblem(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'not a URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `the scheme is ${url.protocol.replace(/:$/, '')}, not http or https`;
  if (url.hostname === '') return 'it names no host';
  return null;
}
