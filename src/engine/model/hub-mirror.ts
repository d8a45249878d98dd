/**
 * A hub mirror for development and end-to-end tests: transformers.js fetches hub files from
 * `env.remoteHost` + `{model}/resolve/main/{file}`; the e2e tests point it at a mirror on this
 * machine. Only loopback http(s) URLs are accepted, and only dev builds read one (see
 * src/ui/lib/engineClient.ts), so a shared link can never send a user's downloads elsewhere.
 */
export const HUB_HOST = 'https://huggingface.co/';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** The mirror's base URL (with a trailing slash) if `value` is a loopback http(s) URL, else undefined. */
export function parseHubMirror(value: string | null | undefined): string | undefined {
  if (!value) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (!/^https?:$/.test(url.protocol) || !LOOPBACK.has(url.hostname) || url.username || url.password) return undefined;
  return url.origin + (url.pathname.endsWith('/') ? url.pathname : url.pathname + '/');
}
