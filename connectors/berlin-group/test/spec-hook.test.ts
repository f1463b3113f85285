/**
 * The kit's spec hook for this sandbox (support.ts specProblems): the sandbox records every answer
 * of the spec's paths, and test/spec.ts finds what breaks the published spec in one. Skipped,
 * visibly, where ../shared is absent.
 */
import { collectPages } from '@kinko/connector-sdk';
import type { BerlinGroupAnswer } from '@kinko/sandbox-bank';
import { describeWithSharedFile } from '../../../tools/jest/shared-files';
import { berlinGroup } from '../src';
import { SPEC_RELATIVE, loadSpec } from './spec';
import { grantOf, logIn, startScenario } from './support';

describeWithSharedFile(SPEC_RELATIVE, 'Berlin Group sandbox answers against the spec (the kit’s sandbox-matches-spec hook)', () => {
  it('records the consent and data answers, which conform; a broken answer does not', async () => {
    const checker = await loadSpec();
    const sandbox = await startScenario({ type: 'basic' });
    try {
      const { client, step } = await logIn(sandbox, berlinGroup);
      const accounts = await collectPages(client.accounts(grantOf(step)));
      expect(accounts.ok).toBe(true);
      await client.close();
      const answers = sandbox.answers();
      expect(answers.map((a) => `${a.method} ${a.path} ${a.status}`)).toEqual(expect.arrayContaining(['post /v1/consents 201', 'get /v1/accounts 200']));
      expect(answers.flatMap((a) => checker.problems(a))).toEqual([]);

      const accountsAnswer = answers.find((a) => a.path === '/v1/accounts') as BerlinGroupAnswer;
      const { ['x-request-id']: _dropped, ...withoutRequestId } = accountsAnswer.headers;
      expect(checker.problems({ ...accountsAnswer, headers: withoutRequestId })).toEqual(['GET /v1/accounts 200: header X-Request-ID missing']);
      expect(checker.problems({ ...accountsAnswer, body: JSON.stringify({ accounts: [{ resourceId: 'x', currency: 12 }] }) })).toEqual([
        expect.stringMatching(/^GET \/v1\/accounts 200: .*currency/),
      ]);
      expect(checker.problems({ ...accountsAnswer, status: 418 })).toEqual(['GET /v1/accounts 418: status not declared']);
    } finally {
      await sandbox.close();
    }
  }, 60_000);
});
