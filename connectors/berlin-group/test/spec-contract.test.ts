/**
 * Contract test: the Berlin Group sandbox's answers — and what the connector sends it — checked
 * against the published ../shared/specs/berlin-group/psd2-api_v1.3.12-2022-07-06.yaml
 * (OpenAPI 3.0): each answer's status must be one the operation declares, its body must
 * validate (ajv) against the schema declared for that status and content type, and the headers
 * the spec requires must be there (X-Request-ID; Location and ASPSP-SCA-Approach on 201).
 * The connector's consent request body validates against the spec's `consents` schema and its
 * query parameters against the declared enums. Where ../shared is absent the suite is reported
 * as skipped, visibly.
 */
import { randomUUID } from 'node:crypto';
import { Redacted } from 'effect';
import { berlinGroupPersonaUsers, startBerlinGroupSandbox, type BerlinGroupSandbox } from '@kinko/sandbox-bank';
import { addDays, dateInZone } from '@kinko/domain';
import { berlinGroup } from '../src';
import { createPkcePair, createState, collectPages, type Grant } from '@kinko/connector-sdk';
import { describeWithSharedFile } from '../../../tools/jest/shared-files';
import { loadSpec, SPEC_RELATIVE, type Schema, type Spec, type SpecChecker } from './spec';

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: unknown;
  readonly text: string;
}

describeWithSharedFile(SPEC_RELATIVE, `Berlin Group contract (../shared/${SPEC_RELATIVE})`, (specFile) => {
  const today = dateInZone(new Date(), 'Europe/Berlin');
  let spec: Spec;
  let checker: SpecChecker;
  let sandbox: BerlinGroupSandbox;
  let grant: Grant;
  let consentId: string;
  let token: string;

  const REDIRECT_URI = 'https://kinko.invalid/api/v2/connect/callback';

  beforeAll(async () => {
    checker = await loadSpec(specFile.path);
    spec = checker.spec;
    sandbox = await startBerlinGroupSandbox({ users: berlinGroupPersonaUsers(today), pageSize: 50 });
    // The connector logs in as the app does: begin (POST /v1/consents) → the SCA page → complete.
    const client = berlinGroup.create({ config: { baseUrl: sandbox.url, clientId: 'kinko-contract' }, extraAllowedHosts: [sandbox.hostEntry] });
    const pkce = createPkcePair();
    const start = await client.auth.begin({ redirectUri: REDIRECT_URI, state: createState(), codeChallenge: pkce.challenge, codeChallengeMethod: 'S256', psu: { ipAddress: '192.0.2.1', userPresent: true } });
    if (!start.ok || start.value.type !== 'redirect' || start.value.flowState === undefined) throw new Error('begin failed');
    consentId = start.value.flowState;
    const back = await sandbox.testHooks.approve(start.value.url, 'lena', 'sandbox');
    const step = await client.auth.complete({ type: 'redirect', callbackParams: back, redirectUri: REDIRECT_URI, codeVerifier: pkce.verifier, flowState: Redacted.make(consentId) });
    if (!step.ok || step.value.type !== 'granted') throw new Error('complete failed');
    grant = step.value.grant;
    // The bearer token as the grant (serialised, secrets revealed) holds it, for the direct calls below.
    const serialised = berlinGroup.serializeGrant(grant);
    token = serialised.ok ? (JSON.parse(serialised.value) as { accessToken: string }).accessToken : '';
    // The connector's reads, recorded by the bank, for the query check below.
    await collectPages(client.accounts(grant));
    for (const kind of ['booked', 'pending'] as const) {
      await collectPages(client.transactions(grant, { bankAccountId: 'lena-giro', kind, window: { from: addDays(today, -100), to: today } }));
    }
    // Both kinds in one call (bookingStatus=both), every page.
    for await (const page of client.transactionKinds(grant, { bankAccountId: 'lena-giro', kinds: ['booked', 'pending'], window: { from: addDays(today, -100), to: today } })) {
      if (!page.ok) throw new Error(page.error.message);
    }
    await client.close();
  });
  afterAll(() => sandbox?.close());

  async function call(method: string, path: string, options: { headers?: Record<string, string>; body?: unknown; auth?: boolean } = {}): Promise<Answer> {
    const headers: Record<string, string> = { accept: 'application/json', 'x-request-id': randomUUID(), ...(options.auth === false ? {} : { 'consent-id': consentId, authorization: `Bearer ${token}` }), ...options.headers };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${sandbox.url}${path}`, { method, headers, ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}) });
    const text = await res.text();
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      body = text;
    }
    return { status: res.status, headers: res.headers, body, text };
  }

  /** The answer conforms to the spec (test/spec.ts: declared status, required headers, the declared schema). */
  function conforms(method: string, specPath: string, answer: Answer): void {
    const headers: Record<string, string> = {};
    answer.headers.forEach((value, name) => (headers[name.toLowerCase()] = value));
    expect(checker.problems({ method, path: specPath, status: answer.status, headers, body: answer.text })).toEqual([]);
  }

  it('the connector’s consent request matches the spec’s `consents` body; the 201, GET and status answers match theirs', async () => {
    const c = sandbox.testHooks.consent(consentId);
    const sent = { access: c?.access, recurringIndicator: c?.recurringIndicator, validUntil: c?.validUntil, frequencyPerDay: c?.frequencyPerDay, combinedServiceIndicator: c?.combinedServiceIndicator };
    const bodySchema = spec.paths['/v1/consents']?.['post']?.requestBody?.content['application/json']?.schema as Schema;
    const validBody = checker.validator('consents request', bodySchema);
    expect(validBody(sent) ? null : checker.errorsText(validBody)).toBeNull();

    const created = await call('POST', '/v1/consents', { auth: false, headers: { 'psu-ip-address': '192.0.2.1', 'tpp-redirect-uri': REDIRECT_URI }, body: sent });
    expect(created.status).toBe(201);
    conforms('post', '/v1/consents', created);
    conforms('get', '/v1/consents/{consentId}', await call('GET', `/v1/consents/${consentId}`, { auth: false }));
    conforms('get', '/v1/consents/{consentId}/status', await call('GET', `/v1/consents/${consentId}/status`, { auth: false }));
  });

  it('refusals of consent creation (no PSU-IP-Address, a bad body) are declared 400s with tppMessages', async () => {
    const noIp = await call('POST', '/v1/consents', { auth: false, headers: { 'tpp-redirect-uri': REDIRECT_URI }, body: { access: {}, recurringIndicator: true, validUntil: today, frequencyPerDay: 4, combinedServiceIndicator: false } });
    expect(noIp.status).toBe(400);
    conforms('post', '/v1/consents', noIp);
    const bad = await call('POST', '/v1/consents', { auth: false, headers: { 'psu-ip-address': '192.0.2.1', 'tpp-redirect-uri': REDIRECT_URI }, body: { access: {} } });
    conforms('post', '/v1/consents', bad);
  });

  it('accounts, balances and transactions (booked, pending, both; every page) match the spec', async () => {
    const present = { 'psu-ip-address': '192.0.2.1' };
    conforms('get', '/v1/accounts', await call('GET', '/v1/accounts', { headers: present }));
    // The check has teeth: an account whose currency is not a code fails the same schema.
    const broken = { method: 'get', path: '/v1/accounts', status: 200, headers: { 'x-request-id': 'x', 'content-type': 'application/json' }, body: JSON.stringify({ accounts: [{ resourceId: 'x', currency: 12 }] }) };
    expect(checker.problems(broken)).toEqual([expect.stringMatching(/currency/)]);
    conforms('get', '/v1/accounts/{account-id}/balances', await call('GET', '/v1/accounts/lena-giro/balances', { headers: present }));
    for (const status of ['booked', 'pending', 'both']) {
      let path: string | undefined = `/v1/accounts/lena-giro/transactions?dateFrom=${addDays(today, -100)}&dateTo=${today}&bookingStatus=${status}`;
      let pages = 0;
      while (path !== undefined) {
        const page = await call('GET', path, { headers: present });
        conforms('get', '/v1/accounts/{account-id}/transactions', page);
        path = (page.body as { transactions: { _links?: { next?: { href: string } } } }).transactions._links?.next?.href;
        pages += 1;
      }
      if (status !== 'pending') expect(pages).toBeGreaterThan(1);
    }
  });

  it('the connector’s data requests use the declared query parameters and values', async () => {
    const op = spec.paths['/v1/accounts/{account-id}/transactions']?.['get'];
    const declared = new Map((op?.parameters ?? []).filter((p) => p.in === 'query').map((p) => [p.name, p.schema]));
    const reads = sandbox.requests().filter((r) => r.path.endsWith('/transactions'));
    expect(reads.length).toBeGreaterThan(2);
    for (const r of reads) {
      for (const [name, value] of Object.entries(r.query)) {
        const schema = declared.get(name);
        expect({ name, declared: schema !== undefined }).toEqual({ name, declared: true });
        const validate = checker.validator(`query ${name}`, schema as Schema);
        expect({ name, value, errors: validate(name === 'pageIndex' ? Number(value) : value) ? null : checker.errorsText(validate) }).toEqual({ name, value, errors: null });
      }
    }
  });

  it('errors are the declared statuses with tppMessages: 401 TOKEN_INVALID, 429 ACCESS_EXCEEDED, 401 CONSENT_INVALID/EXPIRED, 204 DELETE', async () => {
    conforms('get', '/v1/accounts', await call('GET', '/v1/accounts', { headers: { authorization: 'Bearer nope' } }));
    // Unattended reads (no PSU-IP-Address) until the day's frequency (4) is spent: then 429.
    let last: Answer | undefined;
    for (let i = 0; i < 6; i += 1) last = await call('GET', '/v1/accounts/lena-tagesgeld/balances');
    expect(last?.status).toBe(429);
    conforms('get', '/v1/accounts/{account-id}/balances', last as Answer);
    const deleted = await call('DELETE', `/v1/consents/${consentId}`, { auth: false });
    expect(deleted.status).toBe(204);
    conforms('delete', '/v1/consents/{consentId}', deleted);
    const invalid = await call('GET', '/v1/accounts', { headers: { 'psu-ip-address': '192.0.2.1' } });
    expect(invalid.status).toBe(401);
    conforms('get', '/v1/accounts', invalid);
  });
});
