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
import { toyConformanceConfig } from './fake-bank/sandbox';
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
