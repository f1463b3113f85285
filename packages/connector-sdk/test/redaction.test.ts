// Secrets never print: errors, hook events, requests, grants and configs are formatted with
// util.inspect and JSON.stringify, and a canary secret must not appear in any of them.
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redacted, Schema } from 'effect';
import { collectPages, createHttpClient, type HttpCallEvent, type HttpRequest } from '../src';
import { startToySandbox } from './fake-bank/sandbox';
import { toyConnector } from './fake-bank/toy-connector';
import { startServer, type TestServer } from './support/servers';

const CANARY = 'CANARY-7f3e9c1d-secret';

function expectNoCanary(value: unknown): void {
  const shown = [
    inspect(value, { depth: 20 }),
    inspect(value, { depth: 20, showHidden: true }),
    JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? '',
    String(value),
  ];
  for (const text of shown) expect(text).not.toContain(CANARY);
}

let bank: TestServer;
beforeAll(async () => {
  // Every path misbehaves differently; the body of /echo repeats the request (as some banks' error pages do).
  bank = await startServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path === '/slow') return void setTimeout(() => res.end('{}'), 1_000);
    if (path === '/fail') return void res.writeHead(500).end(`{"error":"boom","echo":${JSON.stringify(req.body)}}`);
    if (path === '/malformed') return void res.writeHead(200).end(`{"token":"${CANARY}"`);
    if (path === '/shape') return void res.writeHead(200).end(`{"token":42,"other":"${CANARY}"}`);
    if (path === '/redirect') return void res.writeHead(302, { location: `https://elsewhere.example/?t=${CANARY}` }).end();
    if (path === '/drop') return void req.socket.destroy();
    res.writeHead(200).end('{}');
  });
});
afterAll(() => bank.close());

describe('a canary secret in a request', () => {
  const request = (path: string): HttpRequest => ({
    method: 'POST',
    url: `${bank.origin}${path}`,
    query: { access_token: Redacted.make(CANARY) },
    headers: { authorization: Redacted.make(`Bearer ${CANARY}`), 'x-api-key': Redacted.make(CANARY) },
    body: { json: { username: 'alice', password: Redacted.make(CANARY) } },
    retry: { idempotent: true },
    followRedirects: 1,
  });

  it('appears in no error, no hook event and no printed request, whatever fails', async () => {
    const events: HttpCallEvent[] = [];
    const http = createHttpClient({
      connectorId: 'canary',
      allowedHosts: [bank.host],
      timeouts: { totalMs: 200 },
      retry: { maxAttempts: 2, baseDelayMs: 1 },
      onCall: (e) => events.push(e),
    });
    const outcomes = [];
    for (const path of ['/slow', '/fail', '/redirect', '/drop']) outcomes.push(await http.send(request(path)));
    outcomes.push(await http.send({ ...request('/x'), url: `https://not-allowed.example/?t=${CANARY}` }));
    for (const path of ['/malformed', '/shape']) {
      const res = await http.send(request(path));
      expect(res.ok).toBe(true);
      if (res.ok) outcomes.push(path === '/shape' ? res.value.json(Schema.Struct({ token: Schema.String })) : res.value.json());
    }
    await http.close();

    expect(outcomes.map((o) => (o.ok ? 'ok' : `${o.error._tag}/${'code' in o.error ? o.error.code : ''}`))).toEqual([
      'TemporaryError/timeout',
      'TemporaryError/bank_status',
      'PermanentError/redirect_blocked',
      'NetworkError/connection_failed',
      'PermanentError/host_not_allowed',
      'PermanentError/malformed_body',
      'PermanentError/unexpected_body',
    ]);
    expect(bank.requests.some((r) => r.body.includes(CANARY))).toBe(true); // the secret did reach the bank
    expectNoCanary(outcomes);
    expectNoCanary(events);
    expectNoCanary(request('/x'));
  });
});

describe('a canary secret in a connector', () => {
  it('stays out of printed grants and out of the error of a connector that throws', async () => {
    const connector = toyConnector({ flow: 'credentials', bugs: { throwInAccounts: CANARY } });
    const sandbox = await startToySandbox({ type: 'basic' }, 200);
    const unexpected: unknown[] = [];
    try {
      const client = connector.create({
        config: { ...(sandbox.config as object), clientSecret: 's3cret' },
        extraAllowedHosts: sandbox.allowedHosts,
        onUnexpected: (e) => unexpected.push(e),
      });
      const step = await client.auth.complete({ type: 'credentials', credentials: { username: Redacted.make('alice'), password: Redacted.make(CANARY) } });
      expect(step).toMatchObject({ ok: false, error: { _tag: 'CredentialsInvalid' } }); // the canary is not alice's password
      const granted = await client.auth.complete({ type: 'credentials', credentials: { username: Redacted.make('alice'), password: Redacted.make('correct-horse') } });
      if (!granted.ok || granted.value.type !== 'granted') throw new Error('login failed');
      const grant = granted.value.grant;
      const serialized = connector.serializeGrant(grant);
      const accessToken = serialized.ok ? (JSON.parse(serialized.value) as { accessToken: string }).accessToken : '';
      expect(accessToken).toMatch(/^[0-9a-f]{32}$/); // the serialised form (to be encrypted) holds the real token…
      expect(inspect(grant)).not.toContain(accessToken); // …the grant itself never prints it
      expect(JSON.stringify(grant)).not.toContain(accessToken);

      const accounts = await collectPages(client.accounts(grant));
      expect(accounts).toMatchObject({ ok: false, error: { _tag: 'PermanentError', code: 'unexpected_exception' } });
      expectNoCanary(accounts);
      expect(String(unexpected[0])).toContain(CANARY); // the raw exception goes only to the app's hook
      await client.close();
    } finally {
      await sandbox.close();
    }
  });

  it('does not leak from an invalid config into the setup error', () => {
    const connector = toyConnector({ flow: 'credentials' });
    let message = '';
    try {
      connector.create({ config: { baseUrl: 5, clientId: 'kinko', clientSecret: CANARY } });
    } catch (e) {
      message = e instanceof Error ? `${e.message} ${inspect(e)}` : '';
    }
    expect(message).toMatch(/invalid config for connector "toy-credentials"/);
    expect(message).not.toContain(CANARY);
  });
});
