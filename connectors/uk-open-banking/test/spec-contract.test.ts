/**
 * Contract test: the sandbox's answers — and what the connector sends — checked against the
 * published ../shared/specs/uk-open-banking/account-info-openapi.yaml (Read/Write 4.0 AIS,
 * OpenAPI 3.0). Each answer's status must be one its operation declares, with the
 * x-fapi-interaction-id the spec requires, and its body must validate (ajv) against the
 * declared schema (OBErrorResponse1 for errors; none where the spec declares none). The
 * consent the connector posts must validate against OBReadConsent1; the query parameters and
 * headers it sends must be declared by the operation. Where ../shared is absent the suite is
 * reported as skipped, visibly.
 */
import { collectPages, createPkcePair, createState, type ConnectorClient, type Grant } from '@kinko/connector-sdk';
import { addDays, dateInZone } from '@kinko/domain';
import { ukOpenBankingPersonaUsers } from '@kinko/sandbox-bank';
import { Redacted } from 'effect';
import { ukOpenBanking } from '../src';
import { startSandboxBank, type SandboxBank } from './sandbox/bank';
import { browserAtBank } from './sandbox/kit';
import { UK_OPEN_BANKING_SPEC, ukOpenBankingSpecChecker, type UkOpenBankingSpecChecker } from '@kinko/sandbox-bank/spec';
import { describeWithSharedFile } from '../../../tools/jest/shared-files';

describeWithSharedFile(UK_OPEN_BANKING_SPEC, 'UK Open Banking contract (../shared/specs/uk-open-banking/account-info-openapi.yaml)', (specFile) => {
  const redirectUri = 'https://kinko.invalid/api/v2/connect/callback';
  const today = dateInZone(new Date(), 'Europe/London');
  let checker: UkOpenBankingSpecChecker;
  let bank: SandboxBank;
  let client: ConnectorClient;
  let grant: Grant;

  async function authorise(login: string): Promise<Grant | undefined> {
    const pkce = createPkcePair();
    const begun = await client.auth.begin({ redirectUri, state: createState(), codeChallenge: pkce.challenge, codeChallengeMethod: 'S256', psu: { userPresent: true, ipAddress: '198.51.100.4', userAgent: 'test' } });
    if (!begun.ok || begun.value.type !== 'redirect') throw new Error('begin failed');
    const back = await browserAtBank(begun.value.url, login, 'sandbox');
    const done = await client.auth.complete({ type: 'redirect', callbackParams: back, redirectUri, codeVerifier: pkce.verifier, flowState: Redacted.make(begun.value.flowState ?? '') });
    return done.ok && done.value.type === 'granted' ? done.value.grant : undefined;
  }

  beforeAll(async () => {
    checker = await ukOpenBankingSpecChecker(specFile.path);
    bank = await startSandboxBank({ clientId: 'kinko', clientSecret: 'secret', users: ukOpenBankingPersonaUsers(today), redirectUris: [redirectUri], maxPageSize: 50 });
    client = ukOpenBanking.create({ config: { baseUrl: bank.baseUrl, clientId: 'kinko', clientSecret: 'secret' }, extraAllowedHosts: [bank.host], http: { retry: { maxAttempts: 1 } } });
    const granted = await authorise('oliver');
    if (granted === undefined) throw new Error('no grant');
    grant = granted;
    const psu = { userPresent: true, ipAddress: '198.51.100.4', userAgent: 'test' };
    // Every operation the connector uses, its success answers and its error answers.
    await collectPages(client.accounts(grant, { psu }));
    for (const a of ['oliver-current', 'oliver-saver']) {
      await client.currentBalances(grant, { bankAccountId: a, psu });
      await collectPages(client.transactions(grant, { bankAccountId: a, kind: 'booked', window: { from: addDays(today, -120), to: today }, psu }));
      await collectPages(client.transactions(grant, { bankAccountId: a, kind: 'pending', window: { from: addDays(today, -3), to: today } }));
      await collectPages(client.transactions(grant, { bankAccountId: a, kind: 'scheduled', window: { from: today, to: addDays(today, 90) } }));
    }
    await collectPages(client.transactions(grant, { bankAccountId: 'nobody', kind: 'booked', window: { from: today, to: today } })); // 400
    const fiona = await authorise('fiona');
    if (fiona !== undefined) await client.currentBalances(fiona, { bankAccountId: 'fiona-broken' }); // 403 U012
    bank.setFault({ type: 'status', status: 500, times: 1 });
    if (fiona !== undefined) await client.currentBalances(fiona, { bankAccountId: 'fiona-current' }); // 500
    bank.setFault({ type: 'status', status: 429, retryAfter: '1', times: 1 });
    await collectPages(client.accounts(grant)); // 429 (then the retry answers)
    await authorise('rachel'); // a rejected consent, read back
    await client.auth.revoke(grant); // DELETE 204
    await collectPages(client.accounts(grant)); // 401: the deleted consent's tokens are gone, then GET of it
    bank.revokeAtBank('fiona');
    if (fiona !== undefined) await collectPages(client.accounts(fiona)); // 403 on a consent revoked at the bank (CANC)
    // An access token the bank does not know: 401.
    expect((await fetch(`${bank.baseUrl}/open-banking/v4.0/aisp/accounts`, { headers: { authorization: 'Bearer nobody' } })).status).toBe(401);
  });
  afterAll(async () => {
    await client?.close();
    await bank?.close();
  });

  it('exercised every operation the connector uses and the error statuses 400, 401, 403, 429 and 500', () => {
    const seen = new Set(bank.answers.map((a) => `${a.method} ${checker.operation(a.method, a.path)?.template ?? a.path} ${a.status}`));
    for (const expected of [
      'POST /account-access-consents 201',
      'GET /account-access-consents/{ConsentId} 200',
      'DELETE /account-access-consents/{ConsentId} 204',
      'GET /accounts 200',
      'GET /accounts/{AccountId}/balances 200',
      'GET /accounts/{AccountId}/transactions 200',
      'GET /accounts/{AccountId}/scheduled-payments 200',
      'GET /accounts/{AccountId}/transactions 400',
      'GET /accounts/{AccountId}/balances 500',
      'GET /accounts/{AccountId}/balances 403',
      'GET /accounts 429',
      'GET /accounts 403',
      'GET /accounts 401',
    ]) {
      expect(seen).toContain(expected);
    }
  });

  it('every answer has a declared status, the x-fapi-interaction-id and a body that validates against its schema', () => {
    expect(bank.answers.flatMap((a) => checker.problems(a))).toEqual([]);
  });

  it('the consent the connector posts validates against OBReadConsent1', () => {
    expect(bank.consentRequests.length).toBeGreaterThan(0);
    expect(bank.consentRequests.flatMap((body) => checker.requestProblems('POST', '/account-access-consents', body))).toEqual([]);
  });

  it('every query parameter and FAPI header the connector sends is declared by its operation', () => {
    const problems: string[] = [];
    for (const r of bank.requests) {
      const found = checker.operation(r.method, r.path);
      if (found === undefined) {
        problems.push(`${r.method} ${r.path}: not in the spec`);
        continue;
      }
      const declared = new Map((found.operation.parameters ?? []).map((p) => [`${p.in} ${p.name.toLowerCase()}`, p]));
      // `page` is the bank's own, carried in its Links.Next; everything else is the connector's.
      for (const name of Object.keys(r.query).filter((q) => q !== 'page')) {
        if (!declared.has(`query ${name.toLowerCase()}`)) problems.push(`${r.method} ${found.template}: query ${name} not declared`);
      }
      for (const name of Object.keys(r.headers)) {
        if (!declared.has(`header ${name}`)) problems.push(`${r.method} ${found.template}: header ${name} not declared`);
      }
      const authDate = r.headers['x-fapi-auth-date'];
      const pattern = (declared.get('header x-fapi-auth-date')?.schema as { pattern?: string } | undefined)?.pattern;
      if (authDate !== undefined && pattern !== undefined && !new RegExp(pattern).test(authDate)) problems.push(`x-fapi-auth-date "${authDate}" does not match ${pattern}`);
    }
    expect(problems).toEqual([]);
    expect(bank.requests.some((r) => r.headers['x-fapi-auth-date'] !== undefined)).toBe(true);
  });
});
