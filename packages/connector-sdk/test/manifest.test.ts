import { describe, expect, it } from '@jest/globals';
import { DEFAULT_SCHEDULED_HORIZON_DAYS, decodeManifest, horizonDaysOf, InvalidManifestError, manifestProblems, type ConnectorManifestInput } from '../src';
import { toyManifest } from './fake-bank/toy-connector';

const valid: ConnectorManifestInput = toyManifest({ flow: 'credentials' });

type Mutable<T> = { -readonly [K in keyof T]: T[K] extends object ? Mutable<T[K]> : T[K] };
function variant(change: (m: Mutable<ConnectorManifestInput>) => void): unknown {
  const copy = structuredClone(valid) as Mutable<ConnectorManifestInput>;
  change(copy);
  return copy;
}

describe('the connector manifest', () => {
  it('decodes a valid manifest, branding the currency', () => {
    const m = decodeManifest(valid);
    expect(m.id).toBe('toy-credentials');
    expect(m.currency).toBe('JPY');
    expect(m.limits.maxHistoryDays).toBe(1460);
    expect(manifestProblems(valid)).toEqual([]);
  });

  it.each<[string, (m: Mutable<ConnectorManifestInput>) => void, RegExp]>([
    ['maxHistoryDays above 1460', (m) => void (m.limits.maxHistoryDays = 1461), /maxHistoryDays/],
    ['a fractional page size', (m) => void (m.limits.pageSize = 1.5), /pageSize/],
    ['zero requests per second', (m) => void (m.limits.requestsPerSecond = 0), /requestsPerSecond/],
    ['a negative scheduled horizon', (m) => void (m.limits.scheduledHorizonDays = -1), /scheduledHorizonDays/],
    ['a scheduled horizon beyond 1460 days', (m) => void (m.limits.scheduledHorizonDays = 1461), /scheduledHorizonDays/],
    ['more unattended than total history', (m) => void (m.limits.unattendedHistoryDays = 2000), /unattendedHistoryDays exceeds/],
    ['an unknown time zone', (m) => void (m.timeZone = 'Asia/Atlantis'), /not an IANA time zone/],
    ['an abbreviation instead of a zone', (m) => void (m.timeZone = 'JST'), /not an IANA time zone/],
    ['an unknown currency', (m) => void (m.currency = 'XYZ'), /currency/],
    ['a lower-case country', (m) => void (m.country = 'jp'), /country/],
    ['an id with capitals', (m) => void (m.id = 'Toy'), /id/],
    ['a missing Polish name', (m) => void (m.displayName.pl = ''), /pl/],
    ['no transaction kinds', (m) => void (m.capabilities.transactions = []), /transactions/],
    ['a kind without its date field', (m) => void (m.capabilities.transactions = ['booked', 'pending', 'hold']), /dateFieldByKind.hold is missing/],
    ['a date field for an unreported kind', (m) => void (m.dateFieldByKind.hold = 'bookingDate'), /dateFieldByKind.hold is set/],
    ['booked among DeleteIfNotFetched', (m) => void (m.deleteIfNotFetched = ['booked']), /booked transactions are never deleted/],
    ['an unreported kind among DeleteIfNotFetched', (m) => void (m.deleteIfNotFetched = ['hold']), /deleteIfNotFetched.hold is not a reported kind/],
    ['a redirect flow relaying challenges', (m) => void (m.authFlow = 'redirect'), /redirect connector cannot relay challenges/],
    ['no allowed hosts', (m) => void (m.allowedHosts = []), /allowedHosts/],
    ['a URL as a host entry', (m) => void (m.allowedHosts = ['https://bank.example']), /not a host entry/],
    ['a port out of range', (m) => void (m.allowedHosts = ['bank.example:70000']), /not a host entry/],
  ])('rejects %s', (_name, change, message) => {
    expect(() => decodeManifest(variant(change))).toThrow(InvalidManifestError);
    expect(() => decodeManifest(variant(change))).toThrow(message);
  });

  it('the scheduled window looks ahead: the manifest’s horizon, else the default', () => {
    expect(horizonDaysOf(decodeManifest(valid).limits)).toEqual({ scheduled: DEFAULT_SCHEDULED_HORIZON_DAYS });
    expect(DEFAULT_SCHEDULED_HORIZON_DAYS).toBe(90);
    expect(horizonDaysOf(decodeManifest(variant((m) => void (m.limits.scheduledHorizonDays = 14))).limits)).toEqual({ scheduled: 14 });
    expect(horizonDaysOf(decodeManifest(variant((m) => void (m.limits.scheduledHorizonDays = 0))).limits)).toEqual({ scheduled: 0 });
  });

  it('reports every problem at once', () => {
    const problems = manifestProblems(
      variant((m) => {
        m.limits.maxHistoryDays = 5000;
        m.country = 'Japan';
      }),
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/maxHistoryDays/);
    expect(problems[0]).toMatch(/country/);
  });
});
