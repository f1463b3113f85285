// The allow-list of hosts a connector may contact. An entry is `host`, `host:port`,
// `*.domain` or `*.domain:port` (IPv6 as `[::1]:port`). An entry without a port allows only
// the scheme's default port, so `127.0.0.1` does not open every local service.

const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const HOSTNAME = `(?:\\*\\.)?${LABEL}(?:\\.${LABEL})*`;
const IPV6 = '\\[[0-9a-f:.]+\\]';
const PATTERN = new RegExp(`^(${HOSTNAME}|${IPV6})(?::(\\d{1,5}))?$`);

/** True when `entry` is a syntactically valid allowed-host entry. */
export function isHostPattern(entry: string): boolean {
  const m = PATTERN.exec(entry);
  if (!m) return false;
  return m[2] === undefined || (Number(m[2]) >= 1 && Number(m[2]) <= 65535);
}

const LOOPBACK = /^(127(?:\.\d{1,3}){3}|\[::1\]|localhost)$/;

/** True for loopback hosts, the only ones reachable over plain `http:`. */
export const isLoopback = (hostname: string): boolean => LOOPBACK.test(hostname.toLowerCase());

const defaultPort = (protocol: string): string => (protocol === 'https:' ? '443' : '80');

/**
 * Whether `url` may be contacted: scheme `https:` (or `http:` to a loopback host only) and
 * host + port matched by one of the entries.
 */
export function isUrlAllowed(url: URL, allowedHosts: readonly string[]): boolean {
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname))) return false;
  if (url.username !== '' || url.password !== '') return false;
  const host = url.hostname.toLowerCase();
  const port = url.port === '' ? defaultPort(url.protocol) : url.port;
  return allowedHosts.some((entry) => {
    const m = PATTERN.exec(entry.toLowerCase());
    if (!m || m[1] === undefined) return false;
    const entryHost = m[1];
    const entryPort = m[2] ?? defaultPort(url.protocol);
    if (entryPort !== port) return false;
    if (entryHost.startsWith('*.')) {
      const suffix = entryHost.slice(1); // ".domain"
      return host.endsWith(suffix) && host.length > suffix.length;
    }
    return host === entryHost;
  });
}

/** `host:port` of a URL as the audit hook reports it (never the query, never credentials). */
export const hostOf = (url: URL): string => url.host;
