import { describe, expect, it } from '@jest/globals';
import { Redacted } from 'effect';
import { checkBankEntries } from '../connectors/bank-directory';
import { REGISTERED_CONNECTOR_PACKAGES } from '../connectors/registered-connectors';
import { InvalidSettingsError, loadSettings } from './settings';

const base = { KINKO_MODE: 'test' };

describe('KINKO_BANKS', () => {
  it('is empty when unset', () => {
    expect(loadSettings(base).banks).toEqual([]);
  });

  it('parses entries, keeps the package fields and redacts secret-looking ones', () => {
    const [bank] = loadSettings({
      ...base,
      KINKO_BANKS: JSON.stringify([{ bankId: 'bca-0001', connector: 'bank-common-api', bankCode: '0001', baseUrl: 'https://x.example', apiKey: 'k-canary', password: 'p-canary' }]),
    }).banks;
    expect(bank?.bankId).toBe('bca-0001');
    expect(bank?.connector).toBe('bank-common-api');
    expect(bank?.options.bankCode).toBe('0001');
    expect(Redacted.isRedacted(bank?.options.apiKey)).toBe(true);
    expect(Redacted.value(bank?.options.password as Redacted.Redacted<string>)).toBe('p-canary');
    // A logged settings object shows no secret.
    expect(JSON.stringify(bank)).not.toContain('canary');
  });

  it('names every problem: not JSON, not an array, a bad bankId, a duplicate, a missing connector', () => {
    const problems = (raw: string): string[] => {
      try {
        loadSettings({ ...base, KINKO_BANKS: raw });
        return [];
      } catch (e) {
        expect(e).toBeInstanceOf(InvalidSettingsError);
        return (e as InvalidSettingsError).problems.map((p) => `${p.name}: ${p.problem}`);
      }
    };
    expect(problems('{')).toEqual(['KINKO_BANKS: must be a JSON array of bank entries ({ "bankId", "connector", … })']);
    expect(problems('{}')).toEqual(['KINKO_BANKS: must be a JSON array of bank entries ({ "bankId", "connector", … })']);
    expect(
      problems(
        JSON.stringify([
          { bankId: 'Bad Id', connector: 'bank-common-api' },
          { bankId: 'ok-bank', connector: 'bank-common-api' },
          { bankId: 'ok-bank', connector: 'bank-common-api' },
          { bankId: 'other', connector: '' },
          7,
          { bankId: 'session', connector: 'bank-common-api' },
        ]),
      ),
    ).toEqual([
      'KINKO_BANKS: entry 1: bankId must match ^[a-z][a-z0-9-]{1,62}$',
      'KINKO_BANKS: entry 3: bankId "ok-bank" appears twice',
      'KINKO_BANKS: entry 4: connector must name a connector package (e.g. "bank-common-api")',
      'KINKO_BANKS: entry 5 must be an object',
      'KINKO_BANKS: entry 6: bankId "session" is reserved (a path segment of the API); choose another',
    ]);
  });
});

describe('checkBankEntries (what the main job runs before anything starts)', () => {
  const check = (entry: Record<string, unknown>): string => {
    try {
      checkBankEntries(REGISTERED_CONNECTOR_PACKAGES, loadSettings({ ...base, KINKO_BANKS: JSON.stringify([entry]) }).banks);
      return 'accepted';
    } catch (e) {
      expect(e).toBeInstanceOf(InvalidSettingsError);
      return (e as Error).message;
    }
  };

  it('refuses a polish-api entry without baseUrl in one line naming the entry and the field, never a value', () => {
    const message = check({ bankId: 'pl-mbank', connector: 'polish-api', clientId: 'kinko', signingKey: 'secret-canary' });
    expect(message).toBe('Invalid configuration: KINKO_BANKS: bank "pl-mbank" (polish-api): "baseUrl" must be a non-empty string');
    expect(check({ bankId: 'pl-mbank', connector: 'polish-api', baseUrl: 'https://bank.example', signingKey: 'secret-canary' })).toContain('"clientId"');
    expect(check({ bankId: 'pl-mbank', connector: 'polish-api', baseUrl: 'https://bank.example', clientId: 'kinko' })).toContain('"signingKey"');
  });

  it('refuses an unknown connector and a bad 銀行共通API entry, naming the entry', () => {
    // The packages named are the registered ones (the list grows with each connector package).
    const registered = REGISTERED_CONNECTOR_PACKAGES.map((p) => p.id).join(', ');
    expect(registered).toMatch(/^bank-common-api, polish-api, web-netbank, berlin-group/);
    expect(check({ bankId: 'x-bank', connector: 'nope' })).toBe(`Invalid configuration: KINKO_BANKS: bank "x-bank": no connector package "nope" (registered: ${registered})`);
    expect(check({ bankId: 'bg-bank', connector: 'berlin-group', baseUrl: 'https://bank.example' })).toBe('Invalid configuration: KINKO_BANKS: bank "bg-bank" (berlin-group): "clientId" must be a non-empty string');
    const bad = check({ bankId: 'bca-0001', connector: 'bank-common-api', bankCode: '0001', apiKey: 'k-canary', password: 'p-canary' });
    expect(bad).toMatch(/^Invalid configuration: KINKO_BANKS: .*bca-0001.*baseUrl/);
    expect(bad).not.toContain('\n');
    expect(bad).not.toContain('canary');
  });

  it('accepts a complete polish-api entry', () => {
    expect(check({ bankId: 'pl-mbank', connector: 'polish-api', baseUrl: 'https://bank.example', clientId: 'kinko', signingKey: '{"kty":"EC"}' })).toBe('accepted');
  });
});
