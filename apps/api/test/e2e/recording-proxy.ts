import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A loopback HTTP proxy in front of one bank that records every secret the bank hands out or receives. */
export interface RecordingProxy {
  /** Base URL to give Kinko instead of the bank's. */
  readonly url: string;
  /**
   * Every token seen on the wire: the bank's issued tokens (`access_token`, `refresh_token`,
   * `auth_token` in token responses) and the bearer tokens Kinko sent.
   */
  tokens(): string[];
  close(): Promise<void>;
}

const TOKEN_FIELDS = ['access_token', 'refresh_token', 'auth_token'];

/**
 * Forwards every request to `target` unchanged and passes the answer back unchanged
 * (redirects included), noting the tokens in JSON bodies and Authorization headers — the
 * canaries a secrets test searches the database dump and the logs for.
 */
export async function startRecordingProxy(target: string): Promise<RecordingProxy> {
  const seen = new Set<string>();
  const note = (value: unknown): void => {
    if (typeof value === 'string' && value.length >= 8) seen.add(value);
  };
  const noteJson = (text: string): void => {
    try {
      const json = JSON.parse(text) as Record<string, unknown>;
      for (const field of TOKEN_FIELDS) note(json[field]);
    } catch {
      // Not JSON (a login page): nothing to note.
    }
  };
  const base = new URL(target);
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const auth = req.headers.authorization;
      if (auth) note(auth.replace(/^Bearer\s+/i, ''));
      noteJson(body.toString('utf8'));
      const upstream = http.request(
        { host: base.hostname, port: base.port, method: req.method, path: req.url, headers: { ...req.headers, host: base.host } },
        (up) => {
          const out: Buffer[] = [];
          up.on('data', (c: Buffer) => out.push(c));
          up.on('end', () => {
            const answer = Buffer.concat(out);
            noteJson(answer.toString('utf8'));
            res.writeHead(up.statusCode ?? 502, up.headers);
            res.end(answer);
          });
        },
      );
      upstream.on('error', () => {
        res.writeHead(502);
        res.end();
      });
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    tokens: () => [...seen],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
