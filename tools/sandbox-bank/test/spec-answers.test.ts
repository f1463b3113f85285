/**
 * The spec hook of the 銀行共通API sandbox (what the connector kit's sandbox-matches-spec asks):
 * the bank keeps the answers of the spec's paths as sent — not the login page's form post nor
 * the admin API — and `@kinko/sandbox-bank/spec` finds what in one breaks
 * ../shared/specs/bank-common-api.yaml. Skipped, visibly, where ../shared is absent.
 */
import { describeWithSharedFile } from '../../jest/shared-files';
import { startBankCommonApiSandbox } from '../src';
import { bankCommonApiSpecChecker } from '../src/spec';
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
