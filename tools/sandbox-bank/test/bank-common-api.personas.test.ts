/** The 銀行共通API personas of the demo bank 0001: configured there, and their behaviour checked at start. */
import { BANK_COMMON_API_PERSONAS, demoBanks, startBankCommonApiSandbox } from '../src';

describe('銀行共通API personas', () => {
  it('are users of the first demo bank, with their behaviour', () => {
    const [first] = demoBanks();
    for (const p of BANK_COMMON_API_PERSONAS) expect(first?.users).toContainEqual(p.user);
    expect(BANK_COMMON_API_PERSONAS.map((p) => [p.id, Object.keys(p.user.behaviour ?? {})])).toEqual([
      ['kieru', ['accountsGoneAfterFirstListing']],
      ['shippai', ['failingTransactions']],
      ['kigen', ['shortTokens']],
    ]);
  });

  it('a behaviour naming an account the user does not have is refused at start, naming the field', async () => {
    await expect(
      startBankCommonApiSandbox({
        banks: [{ bankCode: '0001', client: { apiKey: 'k', password: 'p', redirectDomains: ['127.0.0.1'] }, users: [{ id: 'x', password: 'p', accounts: 1, behaviour: { failingTransactions: [1] } }] }],
      }),
    ).rejects.toThrow('user x: behaviour.failingTransactions: 1 is not an account position in 0..0');
  });
});
