/**
 * Contract test: the PolishAPI sandbox's answers — success and the errors the spec declares
 * (400, 401, 403, 405, 406, 415, 422, 429, 500, 501, 503) — checked against the published
 * ../shared/specs/polish-api/PolishAPI-ver2_1_2.yaml (Swagger 2.0): each answer's status
 * must be one the operation declares, and its body must validate (ajv) against the schema
 * declared for that status, both as written and "closed" (no property the spec does not
 * define). 200 answers must carry X-JWS-SIGNATURE, as the spec's response headers say.
 *
 * The document is dereferenced, not validated: swagger-parser's validation rejects the
 * published file itself (EatCodeRequest of authorizeExt requires an undeclared `requestId`).
 * Where ../shared is absent the suite is reported as skipped, visibly.
 */
import { describeWithSharedFile } from '../../jest/shared-files';
import { POLISH_API_PATHS, type PolishApiOperation, type SpecAnswer } from '../src';
import { polishApiSpecChecker, type PolishApiSpecChecker } from '../src/spec';
import { consentTokens, readAllPages, startTestBank, type Answer, type TestBank } from './polish-api-support';

describeWithSharedFile('specs/polish-api/PolishAPI-ver2_1_2.yaml', 'PolishAPI contract (../shared/specs/polish-api/PolishAPI-ver2_1_2.yaml)', (specFile) => {
  const covered = new Set<string>();
  let checker: PolishApiSpecChecker;
  let bank: TestBank;
  let token: string;
  let refreshToken: string;
  let iban: string;

  beforeAll(async () => {
    checker = await polishApiSpecChecker(specFile.path);
    bank = await startTestBank();
    ({ accessToken: token, refreshToken } = await consentTokens(bank, 'contract-1'));
    iban = bank.sandbox.truth.accounts('jan')[0]?.accountNumber as string;
  });
  afterAll(() => bank?.sandbox.close());

  /** The answer as the bank sent it, for the checker. */
  function sent(specPath: string, answer: Answer): SpecAnswer {
    const headers: Record<string, string> = {};
    answer.headers.forEach((value, name) => (headers[name.toLowerCase()] = value));
    return { method: 'post', path: specPath, status: answer.status, headers, body: answer.text };
  }

  /** The answer conforms to the spec (@kinko/sandbox-bank/spec: declared status, signature, schema as written and closed). */
  function conforms(specPath: string, answer: Answer): void {
    covered.add(`${specPath} ${answer.status}`);
    expect(checker.problems(sent(specPath, answer))).toEqual([]);
  }

  const p = (op: PolishApiOperation): string => POLISH_API_PATHS[op];

  it('authorize and token answers match AuthorizeResponse and TokenResponse (with scope_details)', async () => {
    const authorize = await bank.tpp.authorize('contract-2', { days: 400 });
    conforms(p('authorize'), authorize);
    const redirect = bank.sandbox.testHooks.approveConsent(authorize.body['aspspRedirectUri'] as string, { user: 'jan' });
    conforms(p('token'), await bank.tpp.exchange(redirect.code as string));
    conforms(p('token'), await bank.tpp.refresh(refreshToken));
    const accountsOnly = await bank.tpp.authorize('contract-3', { scope: 'ais-accounts' });
    const accountsRedirect = bank.sandbox.testHooks.approveConsent(accountsOnly.body['aspspRedirectUri'] as string, { user: 'ewa' });
    conforms(p('token'), await bank.tpp.exchange(accountsRedirect.code as string));
  });

  it('every AIS listing, the account and the details match their response schemas', async () => {
    conforms(p('getAccounts'), await bank.tpp.call('getAccounts', { perPage: 1 }, { token }));
    conforms(p('getAccount'), await bank.tpp.call('getAccount', { accountNumber: iban }, { token }));
    const filters = { accountNumber: iban, transactionDateFrom: '2019-06-01', transactionDateTo: '2020-06-01', perPage: 200 };
    const done = await readAllPages(bank.tpp, 'getTransactionsDone', token, filters);
    for (const page of done.pages) conforms(p('getTransactionsDone'), page);
    const ids: string[] = [done.items[0]?.['itemId'] as string];
    for (const [op, field] of [
      ['getTransactionsPending', 'transactions'],
      ['getTransactionsRejected', 'transactions'],
      ['getTransactionsCancelled', 'transactions'],
      ['getTransactionsScheduled', 'transactions'],
      ['getHolds', 'holds'],
    ] as const) {
      const answer = await bank.tpp.call(op, { accountNumber: iban, transactionDateFrom: '2019-06-01', transactionDateTo: '2020-12-31' }, { token });
      conforms(p(op), answer);
      const items = answer.body[field] as Array<Record<string, unknown>>;
      expect({ op, listed: items.length > 0 }).toEqual({ op, listed: true });
      ids.push(items[0]?.['itemId'] as string);
    }
    for (const itemId of ids) conforms(p('getTransactionDetail'), await bank.tpp.call('getTransactionDetail', { accountNumber: iban, itemId }, { token }));
  });

  it('offsets are the default because the local date-time option falls outside `format: date-time`', async () => {
    // The spec types these fields `format: date-time` (RFC 3339: offset required) while its
    // descriptions write YYYY-MM-DDThh:mm:ss[.mmm]. The default (offsets) is the valid one.
    bank.sandbox.knobs.set({ dateTimeFormat: 'local' });
    try {
      const answer = await bank.tpp.call('getTransactionsDone', { accountNumber: iban, perPage: 1 }, { token });
      expect(answer.status).toBe(200);
      const item = (answer.body['transactions'] as Array<Record<string, string>>)[0] as Record<string, string>;
      expect(item['tradeDate']).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
      expect(checker.problems(sent(p('getTransactionsDone'), answer))).toEqual(expect.arrayContaining([expect.stringMatching(/tradeDate.*date-time|date-time.*tradeDate|must match format "date-time"/)]));
    } finally {
      bank.sandbox.knobs.set({ dateTimeFormat: 'offset' });
    }
  });

  it('refusals carry the Error body with a status the operation declares', async () => {
    const tpp = bank.tpp;
    // 400: malformed filters, and a missing signature.
    conforms(p('getTransactionsDone'), await tpp.call('getTransactionsDone', { accountNumber: iban, transactionDateFrom: '2020-13-01' }, { token }));
    conforms(p('getAccounts'), await tpp.call('getAccounts', {}, { token, signing: 'none' }));
    // 401: unknown token; the consent deleted.
    conforms(p('getAccount'), await tpp.call('getAccount', { accountNumber: iban }, { token: 'not-a-token' }));
    // 403: beyond 90 days without SCA (refreshed token).
    const refreshed = await tpp.refresh((await consentTokens(bank, 'contract-4')).refreshToken);
    conforms(p('getHolds'), await tpp.call('getHolds', { accountNumber: iban, transactionDateFrom: '2019-01-01' }, { token: refreshed.body['access_token'] as string }));
    // 405, 406, 415.
    conforms(p('getAccounts'), await tpp.call('getAccounts', {}, { token, method: 'GET' }));
    conforms(p('getAccounts'), await tpp.call('getAccounts', {}, { token, headers: { accept: 'text/html' } }));
    conforms(p('getAccounts'), await tpp.call('getAccounts', {}, { token, headers: { 'content-type': 'text/plain' } }));
    // 422: a signature that does not verify.
    conforms(p('token'), await tpp.call('token', { grant_type: 'refresh_token', refresh_token: 'x' }, { signedText: '{"other":"body"}' }));
    conforms(p('authorize'), await tpp.call('authorize', { response_type: 'code' }, { signedText: '{}' }));
    // 429, 500, 503: injected faults, in the spec's Error body.
    const faults = bank.sandbox.knobs.faults;
    faults.failNext(1, { type: 'rate-limit', retryAfterSeconds: 7 });
    const limited = await tpp.call('getTransactionsPending', { accountNumber: iban }, { token });
    expect(limited.headers.get('retry-after')).toBe('7');
    conforms(p('getTransactionsPending'), limited);
    faults.failNext(1, 500);
    conforms(p('getTransactionsScheduled'), await tpp.call('getTransactionsScheduled', { accountNumber: iban }, { token }));
    faults.failNext(1, 503);
    conforms(p('deleteConsent'), await tpp.call('deleteConsent', { consentId: 'contract-4' }));
    // 501: a PIS scope; 204: deleteConsent.
    conforms(p('authorize'), await tpp.call('authorize', { response_type: 'code', client_id: 'kinko-tpp', redirect_uri: 'https://tpp.example/callback', scope: 'pis', state: 's', scope_details: { consentId: 'pis-1', scopeGroupType: 'pis', scopeTimeLimit: '2020-12-01T00:00:00Z', throttlingPolicy: 'psd2Regulatory' } }));
    conforms(p('deleteConsent'), await tpp.call('deleteConsent', { consentId: 'contract-4' }));
    conforms(p('getAccounts'), await tpp.call('getAccounts', {}, { token: refreshed.body['access_token'] as string }));
  });

  it('covered every status the AIS operations declare (each checked above as declared)', () => {
    const statuses = [...new Set([...covered].map((c) => c.split(' ')[1]))].sort();
    expect(statuses).toEqual(['200', '204', '400', '401', '403', '405', '406', '415', '422', '429', '500', '501', '503']);
  });
});
