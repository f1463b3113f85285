/**
 * Polish account numbers: ISO 13616 check digits (mod 97-10) and the settlement number's
 * weighted check digit, as properties over random numbers and over every account and
 * counterparty the sandbox generates.
 */
import fc from 'fast-check';
import { exportJWK, generateKeyPair } from 'jose';
import { formatIban, isValidIban, isValidPolishIban, manualClock, normalisePolishAccountNumber, polishIban, settlementCheckDigit, startPolishApiSandbox } from '../src';

const digits = (n: number) => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: n, maxLength: n }).map((d) => d.join(''));
const parts = fc.record({ bank: digits(3), branch: digits(4), account: digits(16) });

describe('IBAN check digits', () => {
  it('accepts the seed example and its settlement digit', () => {
    expect(isValidPolishIban('PL47 1050 0028 2100 0023 0315 0001')).toBe(true);
    expect(settlementCheckDigit('1050002')).toBe(8);
    expect(isValidIban('PL47 1050 0028 2100 0023 0315 0002')).toBe(false);
  });

  it('every built number is valid, in electronic and printed form, and as a bare NRB', () => {
    fc.assert(
      fc.property(parts, ({ bank, branch, account }) => {
        const iban = polishIban(bank, branch, account);
        expect(iban).toMatch(/^PL\d{26}$/);
        expect(isValidIban(iban)).toBe(true);
        expect(isValidPolishIban(formatIban(iban))).toBe(true);
        expect(normalisePolishAccountNumber(iban.slice(2))).toBe(iban);
      }),
    );
  });

  it('any single changed digit or swap of adjacent digits is detected (mod 97)', () => {
    fc.assert(
      fc.property(parts, fc.integer({ min: 2, max: 27 }), fc.integer({ min: 1, max: 9 }), ({ bank, branch, account }, at, delta) => {
        const iban = polishIban(bank, branch, account);
        const changed = `${iban.slice(0, at)}${(Number(iban[at]) + delta) % 10}${iban.slice(at + 1)}`;
        expect(isValidIban(changed)).toBe(false);
        if (at < 27 && iban[at] !== iban[at + 1]) {
          const swapped = `${iban.slice(0, at)}${iban[at + 1]}${iban[at]}${iban.slice(at + 2)}`;
          expect(isValidIban(swapped)).toBe(false);
        }
      }),
    );
  });

  it('a wrong settlement digit is caught even when the IBAN check digits are recomputed', () => {
    fc.assert(
      fc.property(parts, fc.integer({ min: 0, max: 6 }), fc.integer({ min: 1, max: 9 }), ({ bank, branch, account }, at, delta) => {
        const good = polishIban(bank, branch, account);
        const nrb = good.slice(4);
        const broken = `${nrb.slice(0, at)}${(Number(nrb[at]) + delta) % 10}${nrb.slice(at + 1)}`;
        // Rebuild with valid mod-97 digits but the old settlement check digit.
        const rem = [...`${broken}252100`].reduce((r, d) => (r * 10 + Number(d)) % 97, 0);
        const iban = `PL${String(98 - rem).padStart(2, '0')}${broken}`;
        expect(isValidIban(iban)).toBe(true);
        expect(isValidPolishIban(iban)).toBe(false);
      }),
    );
  });

  it('every account and counterparty number the sandbox generates is valid, whatever the seed', async () => {
    const { publicKey } = await generateKeyPair('ES256');
    const publicJwk = { ...(await exportJWK(publicKey)), kid: 'tpp' };
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 12 }), fc.integer({ min: 1, max: 4 }), fc.constantFrom('102', '105', '114', '124', '249', '321'), async (seed, accounts, bankCode) => {
        const sandbox = await startPolishApiSandbox({
          seed,
          bankCode,
          clock: manualClock('2020-06-01T10:00:00+02:00'),
          clients: [{ clientId: 'tpp', publicJwk, redirectUris: ['https://tpp.example/cb'] }],
          users: [
            { login: 'a', password: 'p', accounts, transactionsPerAccount: 60, historyDays: 90 },
            { login: 'b', password: 'p', holderType: 'corporation', accounts: 1, transactionsPerAccount: 60, historyDays: 90 },
          ],
        });
        try {
          const all = sandbox.truth.accounts();
          expect(new Set(all.map((a) => a.accountNumber)).size).toBe(accounts + 1);
          for (const a of all) {
            expect([a.accountNumber, isValidPolishIban(a.accountNumber)]).toEqual([a.accountNumber, true]);
            expect(a.accountNumber.slice(4, 7)).toBe(bankCode);
            for (const kind of ['done', 'pending', 'hold', 'scheduled', 'rejected', 'cancelled'] as const) {
              for (const item of sandbox.truth.items(a.accountNumber, kind)) {
                for (const side of ['sender', 'recipient'] as const) {
                  const n = (item[side] as { accountNumber?: string } | undefined)?.accountNumber;
                  if (n !== undefined) expect([n, isValidPolishIban(n)]).toEqual([n, true]);
                }
              }
            }
          }
        } finally {
          await sandbox.close();
        }
      }),
      { numRuns: 12 },
    );
  });
});
