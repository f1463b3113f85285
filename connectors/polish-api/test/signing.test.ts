/**
 * Request signing and request ids: what goes on the wire (seen by a capturing server), the
 * sandbox refusing a signature made with another key or naming another key (SignatureError),
 * the bank's answer signatures verified, RSA/PEM keys, compressed answers, and RFC 4122
 * version-1 request ids.
 */
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import { base64url, decodeProtectedHeader, flattenedVerify } from 'jose';
import { collectPages, createPkcePair, errorOutcome } from '@kinko/connector-sdk';
import { polishApi } from '../src';
import { createRequestIdGenerator } from '../src/request-id';
import { CLIENT_ID, REDIRECT_URI, logIn, newTppKey, startPolishSandbox, type PolishSandbox } from './polish-sandbox';

interface Captured {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

/** A loopback server that records requests and answers with `reply`. */
async function captureServer(reply: (req: Captured, res: ServerResponse) => void): Promise<{ server: Server; url: string; requests: Captured[] }> {
  const requests: Captured[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const captured = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(captured);
      reply(captured, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  return { server, url: `http://127.0.0.1:${address.port}`, requests };
}

const UUID_V1 = /^[0-9a-f]{8}-[0-9a-f]{4}-1[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('what a signed request looks like on the wire', () => {
  it('POST with JSON, X-REQUEST-ID = requestHeader.requestId (UUID v1), Accept-* headers and a detached JWS over the exact body', async () => {
    const key = newTppKey();
    const redirect = 'http://127.0.0.1:9/psu?flow=1';
    const bank = await captureServer((_req, res) => {
      // A compressed answer, as a bank honouring Accept-Encoding sends it.
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.end(gzipSync(JSON.stringify({ responseHeader: { isCallback: false }, aspspRedirectUri: redirect })));
    });
    try {
      const client = polishApi.create({ config: { baseUrl: bank.url, clientId: CLIENT_ID, signingKey: key.privateJwk }, extraAllowedHosts: [new URL(bank.url).host, '127.0.0.1:9'] });
      const pkce = createPkcePair();
      const start = await client.auth.begin({ redirectUri: REDIRECT_URI, state: 'state-123', codeChallenge: pkce.challenge, codeChallengeMethod: 'S256' });
      expect(start).toEqual({ ok: true, value: { type: 'redirect', url: redirect } });
      await client.close();

      const [req] = bank.requests;
      if (req === undefined) throw new Error('no request');
      expect([req.method, req.url]).toEqual(['POST', '/v2_1_2.1/auth/v2_1_2.1/authorize']);
      expect(req.headers).toMatchObject({ 'content-type': 'application/json', accept: 'application/json', 'accept-charset': 'utf-8', 'accept-language': 'pl' });
      expect(req.headers['accept-encoding']).toMatch(/gzip/);
      expect(req.headers.authorization).toBeUndefined();
      const body = JSON.parse(req.body) as Record<string, unknown> & { requestHeader: Record<string, unknown>; scope_details: Record<string, unknown> };
      expect(req.headers['x-request-id']).toMatch(UUID_V1);
      expect(body.requestHeader).toMatchObject({ requestId: req.headers['x-request-id'], tppId: CLIENT_ID });
      expect(Date.parse(body.requestHeader['sendDate'] as string)).not.toBeNaN();
      expect(body).toMatchObject({ response_type: 'code', client_id: CLIENT_ID, redirect_uri: REDIRECT_URI, scope: 'ais', state: 'state-123' });
      expect(body.scope_details).toMatchObject({ scopeGroupType: 'ais', throttlingPolicy: 'psd2Regulatory' });

      const signature = req.headers['x-jws-signature'] as string;
      const [protectedHeader = '', empty, sig = ''] = signature.split('.');
      expect(empty).toBe('');
      expect(decodeProtectedHeader({ protected: protectedHeader, signature: sig })).toEqual({ alg: 'ES256', kid: CLIENT_ID });
      const publicKey = createPublicKey({ key: key.publicJwk as never, format: 'jwk' });
      const verify = (payload: string) => flattenedVerify({ protected: protectedHeader, payload: base64url.encode(payload), signature: sig }, publicKey);
      await expect(verify(req.body)).resolves.toBeDefined();
      // The signature covers these bytes exactly: one character more and it fails.
      await expect(verify(req.body.replace('"state-123"', '"state-124"'))).rejects.toThrow();
    } finally {
      bank.server.close();
    }
  });

  it('request ids are RFC 4122 version-1 UUIDs, unique even within one millisecond', () => {
    const next = createRequestIdGenerator(() => 1_600_000_000_000);
    const ids = Array.from({ length: 25_000 }, next);
    for (const id of ids.slice(0, 50)) expect(id).toMatch(UUID_V1);
    expect(new Set(ids).size).toBe(ids.length);
    // The time fields carry the instant: 100-ns intervals since 1582-10-15.
    const [low = '', mid = '', hi = ''] = (ids[0] as string).split('-');
    const ticks = (BigInt(`0x${hi.slice(1)}`) << 48n) | (BigInt(`0x${mid}`) << 32n) | BigInt(`0x${low}`);
    expect((ticks - 0x01b21dd213814000n) / 10_000n).toBe(1_600_000_000_000n);
  });
});

describe('the bank checks the signature', () => {
  let s: PolishSandbox;
  beforeAll(async () => {
    s = await startPolishSandbox({ type: 'basic' });
  });
  afterAll(() => s.close());

  const begin = async (config: Record<string, unknown>) => {
    const client = polishApi.create({ config: { ...(s.config as object), ...config }, extraAllowedHosts: s.allowedHosts });
    const pkce = createPkcePair();
    const out = await client.auth.begin({ redirectUri: REDIRECT_URI, state: 's', codeChallenge: pkce.challenge, codeChallengeMethod: 'S256' });
    await client.close();
    return out;
  };

  it('a signature made with another key (same kid) is refused: SignatureError, for authorize and for data calls', async () => {
    const impostor = newTppKey(); // kid is CLIENT_ID too, but not the registered key
    const refused = await begin({ signingKey: impostor.privateJwk });
    expect(refused.ok ? 'ok' : refused.error._tag).toBe('SignatureError');

    const { client, grant } = await logIn(s, polishApi);
    const other = polishApi.create({ config: { ...(s.config as object), signingKey: impostor.privateJwk }, extraAllowedHosts: s.allowedHosts });
    const accounts = await collectPages(other.accounts(grant));
    expect(accounts.ok).toBe(false);
    if (!accounts.ok) {
      expect(accounts.error._tag).toBe('SignatureError');
      expect(errorOutcome(accounts.error)).toEqual({ scope: 'account', syncErrorType: 'signature' });
    }
    const log = s.sandbox.requests({ operation: 'POST /v2_1_2.1/accounts/v2_1_2.1/getAccounts' });
    expect(log.at(-1)?.status).toBe(422);
    // The same grant works when signed with the registered key.
    expect((await collectPages(client.accounts(grant))).ok).toBe(true);
    await Promise.all([client.close(), other.close()]);
  });

  it('a key id the bank does not know is refused: SignatureError', async () => {
    const out = await begin({ keyId: 'someone-else' });
    expect(out.ok ? 'ok' : out.error._tag).toBe('SignatureError');
  });

  it("the bank's answers are verified with its key: another key, or no signature, is SignatureError", async () => {
    const { client, grant } = await logIn(s, polishApi);
    expect((await collectPages(client.accounts(grant))).ok).toBe(true);
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const wrongBankKey = JSON.stringify(publicKey.export({ format: 'jwk' }));
    const suspicious = polishApi.create({ config: { ...(s.config as object), bankSigningKey: wrongBankKey }, extraAllowedHosts: s.allowedHosts });
    const out = await collectPages(suspicious.accounts(grant));
    expect(out.ok ? 'ok' : out.error._tag).toBe('SignatureError');
    await Promise.all([client.close(), suspicious.close()]);

    const unsigned = await captureServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ accounts: [] }));
    });
    try {
      const c = polishApi.create({ config: { ...(s.config as object), baseUrl: unsigned.url }, extraAllowedHosts: [new URL(unsigned.url).host] });
      const none = await collectPages(c.accounts(grant));
      expect(none.ok ? 'ok' : none.error._tag).toBe('SignatureError');
      await c.close();
    } finally {
      unsigned.server.close();
    }
  });
});

describe('RSA keys in PEM', () => {
  it('signs PS256 with a PKCS#8 PEM key the bank registered as a JWK', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
    const rsaKey = { privateJwk: pem, publicJwk: { ...publicKey.export({ format: 'jwk' }), kid: CLIENT_ID }, d: String(privateKey.export({ format: 'jwk' }).d) };
    const s = await startPolishSandbox({ type: 'basic' }, { key: rsaKey, config: { signingAlgorithm: 'PS256' } });
    try {
      const { client, grant } = await logIn(s, polishApi);
      const accounts = await collectPages(client.accounts(grant));
      expect(accounts.ok && accounts.value.length).toBe(1);
      await client.close();
    } finally {
      await s.close();
    }
  });
});
