/**
 * The spec hooks of the 銀行共通API and PolishAPI sandboxes (what the connector kit's
 * sandbox-matches-spec asks): a bank keeps the answers of the spec's paths as sent — not the
 * 銀行共通API login page's form post nor its admin API, not PolishAPI's PSU pages — and
 * `@kinko/sandbox-bank/spec` finds what in one breaks the published spec. Skipped, visibly,
 * where ../shared is absent.
 */
import { describeWithSharedFile } from '../../jest/shared-files';
import { startBankCommonApiSandbox } from '../src';
import { POLISH_API_PATHS } from '../src';
import { bankCommonApiSpecChecker, polishApiSpecChecker } from '../src/spec';
import { consentTokens, startTestBank } from './polish-api-support';
import { call, testBank, userTokens } from './support';

describeWithSharedFile('specs/bank-common-api.yaml', 'bank-common-api answers against the spec (the kit’s spec hook)', (specFile) => {
  it('keeps the API’s answers, which conform; a broken answer does not', async () => {
    const checker = await bankCommonApiSpecChecker(specFile.path);
    const sandbox = await startBankCommonApiSandbox({ seed: 'spec-answers', admin: true, banks: [testBank()] });
    try {
      const bank = sandbox.bank('0001');
      const tokens = await userTokens(bank, { id: 'alice', password: 'alice-pass' });
      const accounts = await call(bank, 'GET', '/accounts', { token: tokens.access });
      expect(accounts.status).toBe(200);
      const answers = bank.answers();
      const seen = answers.map((a) => `${a.method} ${a.path} ${a.status}`);
      expect(seen).toEqual(expect.arrayContaining(['post /auth/system_token 200', 'get /auth/login 200', 'post /auth/token 200', 'get /accounts 200']));
      expect(seen.filter((a) => a.includes('/auth/login/web') || a.includes('/__sandbox'))).toEqual([]);
      expect(answers.flatMap((a) => checker.problems(a))).toEqual([]);

      const listed = answers.find((a) => a.path === '/accounts') as (typeof answers)[number];
      const body = JSON.parse(listed.body) as { accounts: Array<Record<string, unknown>> };
      const withExtra = JSON.stringify({ ...body, accounts: body.accounts.map((a) => ({ ...a, iban: 'JP00' })) });
      expect(checker.problems({ ...listed, body: withExtra })).toEqual([expect.stringMatching(/^GET \/accounts 200 \(schema closed\): .*additional properties/)]);
      expect(checker.problems({ ...listed, headers: { ...listed.headers, 'content-type': 'text/plain' } })).toEqual(['GET /accounts 200: content-type text/plain, the spec produces application/json']);
      expect(checker.problems({ ...listed, status: 418 })).toEqual(['GET /accounts 418: status not declared']);
    } finally {
      await sandbox.close();
    }
  }, 60_000);
});

describeWithSharedFile('specs/polish-api/PolishAPI-ver2_1_2.yaml', 'PolishAPI answers against the spec (the kit’s spec hook)', (specFile) => {
  it('keeps the API’s answers, which conform; a broken answer does not', async () => {
    const checker = await polishApiSpecChecker(specFile.path);
    const bank = await startTestBank();
    try {
      const { accessToken } = await consentTokens(bank, 'spec-answers');
      expect((await bank.tpp.call('getAccounts', {}, { token: accessToken })).status).toBe(200);
      const answers = bank.sandbox.answers();
      const seen = answers.map((a) => `${a.method} ${a.path} ${a.status}`);
      expect(seen).toEqual(expect.arrayContaining([`post ${POLISH_API_PATHS.authorize} 200`, `post ${POLISH_API_PATHS.token} 200`, `post ${POLISH_API_PATHS.getAccounts} 200`]));
      expect(seen.filter((a) => !Object.values(POLISH_API_PATHS).some((p) => a.startsWith(`post ${p} `)))).toEqual([]);
      expect(answers.flatMap((a) => checker.problems(a))).toEqual([]);

      const listed = answers.find((a) => a.path === POLISH_API_PATHS.getAccounts) as (typeof answers)[number];
      const { ['x-jws-signature']: _signature, ...unsigned } = listed.headers;
      expect(checker.problems({ ...listed, headers: unsigned })).toEqual([`POST ${POLISH_API_PATHS.getAccounts} 200: header X-JWS-SIGNATURE missing`]);
      const body = JSON.parse(listed.body) as Record<string, unknown>;
      expect(checker.problems({ ...listed, body: JSON.stringify({ ...body, extra: 1 }) })).toEqual([expect.stringMatching(/\(schema closed\): .*additional properties/)]);
    } finally {
      await bank.sandbox.close();
    }
  }, 60_000);
});
