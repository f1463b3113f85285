// The kit's checks as plain async functions: they pass on a correct connector and reject on
// each deliberately broken one, naming the mistake.
import { describe, expect, it } from '@jest/globals';
import {
  ConformanceConfigError,
  ConformanceFailure,
  conformanceCheckNames,
  runConformanceCheck,
  runConformanceChecks,
  validateConformanceConfig,
  type CheckName,
} from '../src/testkit';
import type { SandboxScenario } from '../src/testkit';
import { startToySandbox, toyConformanceConfig } from './fake-bank/sandbox';
import { toyConnector, type ToyBugs } from './fake-bank/toy-connector';

const broken = (bugs: ToyBugs, flow: 'credentials' | 'redirect' = 'credentials') =>
  toyConformanceConfig(toyConnector({ flow, bugs, pageSize: 5 }), { largeCount: 500 });

async function expectFailure(name: CheckName, bugs: ToyBugs, message: RegExp, flow: 'credentials' | 'redirect' = 'credentials'): Promise<void> {
  const run = runConformanceCheck(name, broken(bugs, flow));
  await expect(run).rejects.toBeInstanceOf(ConformanceFailure);
  await expect(run).rejects.toThrow(message);
}

describe('the conformance checks on a correct connector', () => {
  it('report every check passed (page size 5, 500 items for the large read; fault-timeout runs in toy-conformance.test.ts)', async () => {
    const reports = await runConformanceChecks(broken({}), conformanceCheckNames.filter((n) => !n.startsWith('fault-timeout')));
    expect(reports.filter((r) => r.status !== 'passed')).toEqual([]);
    expect(reports).toHaveLength(conformanceCheckNames.length - 1);
  }, 120_000);

  it('report a skip with its reason and a non-applicable check with the manifest reason', async () => {
    const config = { ...broken({}, 'redirect'), skips: { 'pagination-large': 'measured by tools/bench instead' } };
    const reports = await runConformanceChecks(config, ['pagination-large', 'challenge-round-trip']);
    expect(reports).toEqual([
      { name: 'pagination-large', status: 'skipped', detail: 'measured by tools/bench instead' },
      { name: 'challenge-round-trip', status: 'notApplicable', detail: 'the manifest declares no challenges' },
    ]);
  });
});

describe('the conformance checks on broken connectors', () => {
  it('pagination fails when an item is repeated across pages', async () => {
    await expectFailure('pagination', { duplicateAcrossPages: true }, /returned more than once/);
  });

  it('pagination fails when the last page is dropped', async () => {
    await expectFailure('pagination', { dropLastPage: true }, /items were lost/);
  });

  it('date bounds fail when the connector reads more than its window', async () => {
    await expectFailure('date-bounds-inclusive', { widenWindow: true }, /is outside the fetch window/);
  });

  it('the large read fails when the last page is dropped', async () => {
    await expectFailure('pagination-large', { dropLastPage: true }, /500 items: 495 distinct transactions returned/);
  });

  it('date bounds fail when the bounds are treated as exclusive', async () => {
    await expectFailure('date-bounds-inclusive', { exclusiveBounds: true }, /lower bound is not inclusive/);
  });

  it('the incremental read fails when the connector reuses the window of its first fetch', async () => {
    await expectFailure('incremental-read', { stickyWindow: true }, /is outside the fetch window/);
  });

  it('wrong credentials fail when a 401 is mapped to TemporaryError', async () => {
    await expectFailure('wrong-credentials', { wrong401: true }, /TemporaryError: bank said 401; expected CredentialsInvalid/);
  });

  it('wrong credentials fail for a redirect connector mapping the bank refusal wrongly', async () => {
    await expectFailure('wrong-credentials', { wrong401: true }, /expected CredentialsInvalid/, 'redirect');
  });

  it('refresh rotation fails when a dead grant is reported as a temporary problem', async () => {
    await expectFailure('refresh-rotates', { wrong401: true }, /replaced grant failed with TemporaryError/);
  });

  it('the wrong-answer check fails when a rejected OTP is reported as a temporary problem', async () => {
    await expectFailure('challenge-wrong-answer', { wrong401: true }, /expected ChallengeAnswerInvalid/);
  });

  it('fault checks fail when failures are swallowed into empty pages', async () => {
    await expectFailure('fault-5xx', { swallowErrors: true }, /succeeded; expected TemporaryError/);
    await expectFailure('fault-dropped-connection', { swallowErrors: true }, /succeeded; expected NetworkError/);
  });

  it('the timeout check fails when the connector overrides the timeouts it is given', async () => {
    await expectFailure('fault-timeout', { slowTimeouts: true }, /succeeded; expected TemporaryError/);
  }, 30_000);

  it('the request record fails when later pages lose the first page’s filters', async () => {
    await expectFailure('requests-repeat-window', { dropFiltersOnLaterPages: true }, /request 2 \(GET \/transactions\) (does not carry the window|lost the first page's filter)/);
  });

  it('the request record fails, naming the way out, when the sandbox records no requests', async () => {
    const config = broken({});
    const withoutRecord = { ...config, startSandbox: async (scenario: Parameters<typeof config.startSandbox>[0]) => ({ ...(await config.startSandbox(scenario)), requests: undefined }) };
    await expect(runConformanceCheck('requests-repeat-window', withoutRecord)).rejects.toThrow(/the sandbox handle has no requests .*or skip this check in the kit config with the reason/);
  });

  it('a failure on page 2 fails the check when the connector turns it into a short read', async () => {
    await expectFailure('fault-mid-stream', { swallowErrors: true }, /page 2 went wrong \(status\) but the stream ended without an error after 5 of 11 items/);
  });

  it('a looping next link fails the check when the connector follows it', async () => {
    await expectFailure('next-link-looping', { followsLoops: true }, /follows a next link that leads back to the same page/);
  });

  it('a malformed next link fails the check when the connector takes it for the end', async () => {
    await expectFailure('next-link-malformed', { nextMalformedEnds: true }, /page 2 went wrong \(malformedNext\) but the stream ended without an error/);
  });

  it('a consent ended at the bank fails the check when the connector reports a temporary problem', async () => {
    await expectFailure('consent-ended-at-bank', { wrong401: true }, /after the consent ended at the bank failed with TemporaryError.*expected CredentialsInvalid or ConsentExpired or ConsentRevoked/, 'redirect');
  });

  it('another currency fails the check when the connector reports the manifest’s', async () => {
    await expectFailure('other-currency', { manifestCurrency: true }, /account acc-scenario is held in EUR at the bank; the connector reports JPY/);
  });

  it('a bank ignoring the page size fails the check when the connector stops at a short page', async () => {
    await expectFailure('bank-page-size', { stopOnShortPage: true }, /11 items in pages of 2 \(asked: 5\): 2 distinct transactions returned, the sandbox holds 11 \(items were lost\)/);
  });

  it('previous versions fail when the grant schema changed incompatibly, or when no fixtures are given', async () => {
    await expectFailure('previous-versions', { grantV2: true }, /decoding previousVersions.grants\[0\] failed with PermanentError/);
    const config = { ...broken({}), previousVersions: undefined };
    await expect(runConformanceCheck('previous-versions', config)).rejects.toThrow(/previousVersions is not set/);
    const noStates = { ...broken({}), previousVersions: { grants: broken({}).previousVersions?.grants ?? [] } };
    await expect(runConformanceCheck('previous-versions', noStates)).rejects.toThrow(/declares challenges but previousVersions.challengeStates is empty/);
  });

  it('pending → booked fails when the connector drops the bank references, or makes up ids', async () => {
    await expectFailure('pending-to-booked', { dropReference: true }, /pending transaction tx-0000000 carries no bankReference/);
    await expectFailure('pending-to-booked', { randomIds: true }, /two reads of the same booked transactions gave different ids/);
  });

  it('the spec hook fails the check when the sandbox answers off its spec, and skips it visibly when the spec file is absent', async () => {
    const base = broken({});
    const offSpec = { ...base, startSandbox: (scenario: SandboxScenario) => startToySandbox(scenario, 5, { contentType: 'text/plain' }) };
    const run = runConformanceCheck('sandbox-matches-spec', offSpec);
    await expect(run).rejects.toBeInstanceOf(ConformanceFailure);
    await expect(run).rejects.toThrow(/sandbox answer\(s\) do not conform to .*toy-bank-spec.json: .*\/accounts 200: content-type text\/plain, the spec says application\/json/);
    await expect(runConformanceCheck('sandbox-matches-spec', { ...base, spec: { file: '/nonexistent/spec.yaml' } })).resolves.toEqual({
      name: 'sandbox-matches-spec',
      status: 'notApplicable',
      detail: 'the spec file /nonexistent/spec.yaml is absent (a public clone has no ../shared)',
    });
  });

  it('the kit turns a connector that throws into a failure, not a crash', async () => {
    await expectFailure('auth-happy-path', { throwInAccounts: 'x' }, /PermanentError: unexpected Error in toy-credentials.accounts/);
  });
});

describe('the conformance config', () => {
  const base = broken({});

  it('rejects a skip with an empty or blank reason', () => {
    expect(() => validateConformanceConfig({ ...base, skips: { revoke: '' } })).toThrow(ConformanceConfigError);
    expect(() => validateConformanceConfig({ ...base, skips: { revoke: '   ' } })).toThrow(/skips.revoke: a skipped check needs a written reason/);
  });

  it('rejects a skip of a check that does not exist', () => {
    expect(() => validateConformanceConfig({ ...base, skips: { 'no-such-check': 'typo' } as never })).toThrow(/skips.no-such-check: there is no such check/);
  });

  it('makes every check reject on an invalid config before touching the sandbox', async () => {
    let started = 0;
    const config = { ...base, skips: { revoke: '' }, startSandbox: async () => (started++, base.startSandbox({ type: 'basic' })) };
    await expect(runConformanceCheck('manifest', config)).rejects.toBeInstanceOf(ConformanceConfigError);
    expect(started).toBe(0);
  });

  it('accepts written reasons', () => {
    expect(() => validateConformanceConfig({ ...base, skips: { revoke: 'the bank offers no revocation endpoint' } })).not.toThrow();
  });
});
