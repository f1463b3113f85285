/**
 * Polish transaction vocabulary and ledger profiles: descriptions the way Polish banks print
 * them ("Przelew przychodzący", "Płatność kartą BIEDRONKA", "Wypłata z bankomatu"), Polish
 * names, streets and cities, merchants with their card MCC.
 *
 * Amounts here are in grosze (minor units of PLN): the ledger treats amounts as opaque
 * integers, so a profile in minor units gives exact decimal amounts ("123.45") downstream.
 *
 * A description may carry its counterparty for the renderer, joined with U+001F (unit
 * separator): `text␟name␟street␟postcode city␟mcc`; {@link decodeDescription} splits it.
 */
import { logUniform, type LedgerProfile, type TransactionKind } from './profile';
import { pickBy, unit } from './prng';

const MALE_FIRST = ['Jan', 'Piotr', 'Tomasz', 'Marek', 'Paweł', 'Krzysztof', 'Michał', 'Andrzej', 'Łukasz', 'Grzegorz', 'Wojciech', 'Jakub'] as const;
const FEMALE_FIRST = ['Anna', 'Katarzyna', 'Agnieszka', 'Małgorzata', 'Ewa', 'Magdalena', 'Joanna', 'Barbara', 'Zofia', 'Agata', 'Dorota', 'Aleksandra'] as const;
/** Surnames as [masculine, feminine]. */
const SURNAMES: ReadonlyArray<readonly [string, string]> = [
  ['Nowak', 'Nowak'], ['Kowalski', 'Kowalska'], ['Wiśniewski', 'Wiśniewska'], ['Wójcik', 'Wójcik'], ['Kowalczyk', 'Kowalczyk'],
  ['Kamiński', 'Kamińska'], ['Lewandowski', 'Lewandowska'], ['Zieliński', 'Zielińska'], ['Szymański', 'Szymańska'], ['Woźniak', 'Woźniak'],
  ['Dąbrowski', 'Dąbrowska'], ['Kozłowski', 'Kozłowska'], ['Jankowski', 'Jankowska'], ['Mazur', 'Mazur'], ['Krawczyk', 'Krawczyk'],
  ['Piotrowski', 'Piotrowska'], ['Grabowski', 'Grabowska'], ['Pawłowski', 'Pawłowska'], ['Michalski', 'Michalska'], ['Żak', 'Żak'],
];
/** Cities with a postcode of theirs. */
const CITIES: ReadonlyArray<readonly [string, string]> = [
  ['Warszawa', '00-950'], ['Kraków', '30-001'], ['Łódź', '90-001'], ['Wrocław', '50-001'], ['Poznań', '60-001'], ['Gdańsk', '80-001'],
  ['Szczecin', '70-001'], ['Bydgoszcz', '85-001'], ['Lublin', '20-001'], ['Katowice', '40-001'], ['Białystok', '15-001'], ['Gdynia', '81-001'],
  ['Częstochowa', '42-200'], ['Radom', '26-600'], ['Toruń', '87-100'], ['Rzeszów', '35-001'], ['Kielce', '25-001'], ['Olsztyn', '10-001'],
  ['Opole', '45-001'], ['Zielona Góra', '65-001'],
];
const STREETS = [
  'ul. Marszałkowska', 'ul. Długa', 'ul. Polna', 'ul. Lipowa', 'ul. Kwiatowa', 'ul. Słoneczna', 'ul. Leśna', 'ul. Ogrodowa',
  'ul. Mickiewicza', 'ul. Kościuszki', 'ul. Piłsudskiego', 'ul. Sienkiewicza', 'al. Jerozolimskie', 'ul. Astrów', 'ul. Wrzosowa', 'ul. Krótka',
] as const;
/** Card merchants with their MCC. */
const MERCHANTS: ReadonlyArray<readonly [string, string]> = [
  ['BIEDRONKA', '5411'], ['LIDL', '5411'], ['ŻABKA', '5499'], ['KAUFLAND', '5411'], ['CARREFOUR', '5411'], ['AUCHAN', '5411'],
  ['ROSSMANN', '5912'], ['ORLEN', '5541'], ['CIRCLE K', '5541'], ['MEDIA EXPERT', '5732'], ['EMPIK', '5942'], ['PEPCO', '5651'],
  ['IKEA', '5712'], ['CCC', '5661'], ['RESERVED', '5651'], ['MCDONALDS', '5814'], ['STARBUCKS', '5814'], ['APTEKA DOZ', '5912'],
  ['LEROY MERLIN', '5200'], ['CASTORAMA', '5200'], ['DECATHLON', '5941'], ['PKP INTERCITY', '4112'], ['UBER', '4121'], ['BOLT', '4121'],
];
const ONLINE = ['ALLEGRO.PL', 'SPOTIFY', 'NETFLIX.COM', 'APPLE.COM/BILL', 'GOOGLE *YOUTUBE', 'ZALANDO', 'PYSZNE.PL', 'JAKDOJADE'] as const;
const ATMS = ['EURONET', 'PKO BP', 'PLANET CASH', 'CARDTRONICS', 'BANK PEKAO', 'ING BANK'] as const;
const UTILITIES = [
  'PGE OBRÓT S.A.', 'TAURON SPRZEDAŻ SP. Z O.O.', 'ENEA S.A.', 'PGNIG OBRÓT DETALICZNY', 'ORANGE POLSKA S.A.', 'P4 SP. Z O.O. (PLAY)',
  'T-MOBILE POLSKA S.A.', 'POLKOMTEL (PLUS)', 'NETIA S.A.', 'MPWIK', 'VECTRA S.A.',
] as const;
const COMPANY_STEMS = ['POLTEX', 'MAZOWIA', 'BAŁTYK', 'TECHNOBUD', 'INFOSOFT', 'AGROPOL', 'TRANSBUD', 'ELEKTROMAX', 'MEDICOM', 'WISŁA LOGISTICS', 'KRAKPOL', 'SOLARIS'] as const;
const COMPANY_FORMS = ['SP. Z O.O.', 'S.A.', 'SP. J.', 'SP. K.'] as const;
const TRANSFER_IN_TITLES = ['Zwrot za obiad', 'Za zakupy', 'Zwrot pożyczki', 'Prezent', 'Za bilety', 'Zwrot za paliwo', 'Składka na prezent', 'Za rachunki'] as const;
const TRANSFER_OUT_TITLES = ['Czynsz za mieszkanie', 'Opłata za przedszkole', 'Za zakupy', 'Zwrot pożyczki', 'Składka', 'Za wakacje', 'Opłata za zajęcia'] as const;
const BLIK_TITLES = ['Za pizzę', 'Za kino', 'Zrzutka', 'Za kawę', 'Oddaję'] as const;

const SEP = '\u001f';

/** A counterparty carried inside a description. */
export interface DescribedParty {
  /** Name (person or company), or merchant. */
  readonly name: string;
  /** Street line, if known. */
  readonly street?: string;
  /** Postcode and city, e.g. `30-001 Kraków`. */
  readonly city?: string;
  /** Card merchant category code. */
  readonly mcc?: string;
}

/** Joins a description and its counterparty into one ledger description (see the module comment). */
export function encodeDescription(text: string, party?: DescribedParty): string {
  if (!party) return text;
  return [text, party.name, party.street ?? '', party.city ?? '', party.mcc ?? ''].join(SEP);
}

/** Splits a ledger description into the printed text and its counterparty (if any). */
export function decodeDescription(description: string): { readonly text: string; readonly party?: DescribedParty } {
  const parts = description.split(SEP);
  if (parts.length < 2) return { text: description };
  const [text, name, street, city, mcc] = parts as [string, string, string?, string?, string?];
  return { text, party: { name, ...(street ? { street } : {}), ...(city ? { city } : {}), ...(mcc ? { mcc } : {}) } };
}

/** A person: full name, street line and `postcode city`. Deterministic in `u`. */
export function polishPerson(u: number): { readonly name: string; readonly street: string; readonly city: string } {
  const female = unit(u, 'female') < 0.5;
  const first = female ? pickBy(FEMALE_FIRST, unit(u, 'first')) : pickBy(MALE_FIRST, unit(u, 'first'));
  const [male, fem] = pickBy(SURNAMES, unit(u, 'surname'));
  const [city, postcode] = pickBy(CITIES, unit(u, 'city'));
  const street = `${pickBy(STREETS, unit(u, 'street'))} ${1 + Math.floor(unit(u, 'no') * 120)}${unit(u, 'flat') < 0.6 ? `/${1 + Math.floor(unit(u, 'flatno') * 60)}` : ''}`;
  return { name: `${first} ${female ? fem : male}`, street, city: `${postcode} ${city}` };
}

/** A company: name with its legal form, street line and `postcode city`. */
export function polishCompany(u: number): { readonly name: string; readonly street: string; readonly city: string } {
  const [city, postcode] = pickBy(CITIES, unit(u, 'ccity'));
  return {
    name: `${pickBy(COMPANY_STEMS, unit(u, 'stem'))} ${pickBy(COMPANY_FORMS, unit(u, 'form'))}`,
    street: `${pickBy(STREETS, unit(u, 'cstreet'))} ${1 + Math.floor(unit(u, 'cno') * 200)}`,
    city: `${postcode} ${city}`,
  };
}

/** A card merchant in a city: name, `postcode city` and MCC. */
export function polishMerchant(u: number): DescribedParty {
  const [name, mcc] = pickBy(MERCHANTS, u);
  const [city, postcode] = pickBy(CITIES, unit(u, 'mcity'));
  return { name, city: `${postcode} ${city}`, mcc };
}

/** How a ledger kind is presented: the bank's transaction type and whether a card was used. */
export interface PolishKindInfo {
  /** `transactionType` as the bank prints it. */
  readonly type: string;
  /** Paid with a card (card details and MCC apply). */
  readonly card: boolean;
  /** Days between the operation and its booking, at most (card payments settle later). */
  readonly maxBookingLag: number;
}

/** Presentation of every ledger kind of the Polish profiles (unknown kinds fall back to a transfer). */
export const POLISH_KINDS: Readonly<Record<string, PolishKindInfo>> = {
  salary: { type: 'Przelew przychodzący', card: false, maxBookingLag: 0 },
  'transfer-in': { type: 'Przelew przychodzący', card: false, maxBookingLag: 0 },
  'blik-in': { type: 'Przelew na telefon BLIK', card: false, maxBookingLag: 0 },
  interest: { type: 'Kapitalizacja odsetek', card: false, maxBookingLag: 0 },
  refund: { type: 'Zwrot płatności kartą', card: true, maxBookingLag: 2 },
  'card-payment': { type: 'Płatność kartą', card: true, maxBookingLag: 2 },
  'online-payment': { type: 'Płatność BLIK', card: false, maxBookingLag: 0 },
  'atm-withdrawal': { type: 'Wypłata z bankomatu', card: true, maxBookingLag: 1 },
  'transfer-out': { type: 'Przelew wychodzący', card: false, maxBookingLag: 0 },
  'blik-out': { type: 'Przelew na telefon BLIK', card: false, maxBookingLag: 0 },
  'direct-debit': { type: 'Polecenie zapłaty', card: false, maxBookingLag: 0 },
  'account-fee': { type: 'Opłata', card: false, maxBookingLag: 0 },
  'own-transfer-in': { type: 'Przelew własny', card: false, maxBookingLag: 0 },
  'own-transfer-out': { type: 'Przelew własny', card: false, maxBookingLag: 0 },
  'invoice-payment': { type: 'Przelew przychodzący', card: false, maxBookingLag: 0 },
  'supplier-payment': { type: 'Przelew wychodzący', card: false, maxBookingLag: 0 },
  zus: { type: 'Przelew do ZUS', card: false, maxBookingLag: 0 },
  tax: { type: 'Przelew podatkowy', card: false, maxBookingLag: 0 },
  payroll: { type: 'Przelew wychodzący', card: false, maxBookingLag: 0 },
};

/** The longest booking lag of any Polish kind, in days. */
export const POLISH_MAX_BOOKING_LAG = Math.max(...Object.values(POLISH_KINDS).map((k) => k.maxBookingLag));

const kind = (code: string, weight: number, amount: (u: number) => number, describe: (u: number, flavour: number) => string): TransactionKind => ({
  code,
  weight,
  amount,
  describe,
});

/** Incoming transfer from a person. */
export const transferIn = kind('transfer-in', 2, (u) => logUniform(u, 2_000, 250_000), (u) => {
  const p = polishPerson(unit(u, 'from'));
  return encodeDescription(`Przelew przychodzący: ${pickBy(TRANSFER_IN_TITLES, u)}`, p);
});
/** Card payment at a shop. */
export const cardPayment = kind('card-payment', 7, (u) => logUniform(u, 199, 45_000), (u) => {
  const m = polishMerchant(u);
  return encodeDescription(`Płatność kartą ${m.name} ${(m.city ?? '').replace(/^\S+ /, '')}`, m);
});
/** Cash withdrawal. */
export const atmWithdrawal = kind('atm-withdrawal', 2, (u) => pickBy([5_000, 10_000, 20_000, 30_000, 50_000, 100_000], u), (u) => {
  const [city, postcode] = pickBy(CITIES, unit(u, 'atm-city'));
  const atm = pickBy(ATMS, unit(u, 'atm'));
  return encodeDescription(`Wypłata z bankomatu ${atm} ${city}`, { name: atm, city: `${postcode} ${city}`, mcc: '6011' });
});
/** Outgoing transfer to a person or a landlord. */
export const transferOut = kind('transfer-out', 1.5, (u) => logUniform(u, 3_000, 300_000), (u) => {
  const p = unit(u, 'company') < 0.3 ? polishCompany(unit(u, 'to')) : polishPerson(unit(u, 'to'));
  return encodeDescription(`Przelew wychodzący: ${pickBy(TRANSFER_OUT_TITLES, u)}`, p);
});
/** Online purchase paid with BLIK. */
export const onlinePayment = kind('online-payment', 1.5, (u) => logUniform(u, 500, 60_000), (u) => {
  const shop = pickBy(ONLINE, u);
  return encodeDescription(`Płatność BLIK ${shop}`, { name: shop });
});
/** BLIK phone transfer. */
export const blikOut = kind('blik-out', 0.8, (u) => logUniform(u, 1_000, 20_000), (u) =>
  encodeDescription(`Przelew na telefon BLIK: ${pickBy(BLIK_TITLES, u)}`, polishPerson(unit(u, 'blik'))),
);

const salary = kind('salary', 0, (u) => 450_000 + Math.floor(u * 500_000), (_u, flavour) => {
  const c = polishCompany(unit(flavour, 'employer'));
  return encodeDescription(`Wynagrodzenie: ${c.name}`, c);
});
const ownTopUp = kind('own-transfer-in', 1, (u) => pickBy([50_000, 100_000, 200_000, 500_000], u), () => encodeDescription('Przelew własny', { name: 'Rachunek oszczędnościowy' }));

/** A personal current account (ROR): salary, cards, BLIK, ATM, transfers, utility direct debits. */
export const personalAccount: LedgerProfile = {
  name: 'pl-personal',
  incomes: [
    transferIn,
    kind('blik-in', 0.8, (u) => logUniform(u, 1_000, 20_000), (u) =>
      encodeDescription(`Przelew na telefon BLIK: ${pickBy(BLIK_TITLES, u)}`, polishPerson(unit(u, 'blik-in'))),
    ),
    kind('refund', 0.3, (u) => logUniform(u, 500, 30_000), (u) => {
      const m = polishMerchant(u);
      return encodeDescription(`Zwrot płatności kartą ${m.name}`, m);
    }),
    kind('interest', 0.1, (u) => logUniform(u, 1, 500), () => 'Kapitalizacja odsetek'),
  ],
  expenses: [
    cardPayment,
    onlinePayment,
    atmWithdrawal,
    transferOut,
    blikOut,
    kind('direct-debit', 1, (u) => logUniform(u, 3_000, 40_000), (u) => {
      const name = pickBy(UTILITIES, u);
      return encodeDescription(`Polecenie zapłaty ${name}`, { name });
    }),
    kind('account-fee', 0.3, (u) => pickBy([500, 700, 900, 1_200], u), () => 'Opłata za prowadzenie rachunku'),
  ],
  topUp: ownTopUp,
  payday: salary,
  incomeBias: 0.25,
  allowNegative: false,
  weekendFactor: 0.8,
  cancelRate: 0.004,
};

/** A savings account: transfers from and to the owner's current account, monthly interest. */
export const savingsAccount: LedgerProfile = {
  name: 'pl-savings',
  incomes: [
    kind('own-transfer-in', 3, (u) => pickBy([20_000, 50_000, 100_000, 200_000], u), () => encodeDescription('Przelew własny', { name: 'Konto osobiste' })),
    kind('interest', 1, (u) => logUniform(u, 100, 20_000), () => 'Kapitalizacja odsetek'),
  ],
  expenses: [kind('own-transfer-out', 1, (u) => pickBy([50_000, 100_000, 200_000, 500_000], u), () => encodeDescription('Przelew własny', { name: 'Konto osobiste' }))],
  topUp: ownTopUp,
  incomeBias: 0.6,
  allowNegative: false,
  weekendFactor: 0.3,
  cancelRate: 0,
};

const invoicePayment = kind('invoice-payment', 6, (u) => logUniform(u, 20_000, 5_000_000), (u) => {
  const c = polishCompany(unit(u, 'payer'));
  return encodeDescription(`Przelew przychodzący: Zapłata za FV ${1 + Math.floor(unit(u, 'fv') * 400)}/${1 + Math.floor(unit(u, 'fvm') * 12)}`, c);
});

/** A business current account: invoice payments, suppliers, payroll, ZUS and tax transfers. */
export const businessAccount: LedgerProfile = {
  name: 'pl-business',
  incomes: [invoicePayment],
  expenses: [
    kind('supplier-payment', 5, (u) => logUniform(u, 10_000, 3_000_000), (u) => {
      const c = polishCompany(unit(u, 'supplier'));
      return encodeDescription(`Przelew wychodzący: FV ${1 + Math.floor(unit(u, 'sfv') * 900)}/${c.name}`, c);
    }),
    kind('payroll', 0.5, (u) => logUniform(u, 300_000, 1_200_000), (u) => encodeDescription('Przelew wychodzący: Wynagrodzenie', polishPerson(unit(u, 'employee')))),
    kind('zus', 0.3, (u) => logUniform(u, 100_000, 800_000), () => encodeDescription('Przelew do ZUS', { name: 'ZAKŁAD UBEZPIECZEŃ SPOŁECZNYCH', city: '01-748 Warszawa' })),
    kind('tax', 0.3, (u) => logUniform(u, 50_000, 2_000_000), (u) =>
      encodeDescription(`Przelew podatkowy: ${pickBy(['VAT-7', 'PIT-4R', 'CIT-8'], u)}`, { name: 'URZĄD SKARBOWY', city: '00-950 Warszawa' }),
    ),
    cardPayment,
    kind('account-fee', 1, (u) => pickBy([1_500, 2_500, 4_900], u), () => 'Opłata za prowadzenie rachunku'),
  ],
  topUp: invoicePayment,
  incomeBias: 0.45,
  allowNegative: false,
  weekendFactor: 0.15,
  cancelRate: 0.002,
};

/** Reasons a bank gives for rejecting a payment. */
export const REJECTION_REASONS = [
  'Brak wystarczających środków na rachunku',
  'Nieprawidłowy numer rachunku odbiorcy',
  'Przekroczony limit dzienny',
  'Rachunek odbiorcy zamknięty',
] as const;

/** Monthly standing orders a personal account may have, as title and amount range (grosze). */
export const STANDING_ORDERS: ReadonlyArray<{ readonly title: string; readonly lo: number; readonly hi: number; readonly company: boolean }> = [
  { title: 'Czynsz za mieszkanie', lo: 80_000, hi: 300_000, company: true },
  { title: 'Oszczędności', lo: 10_000, hi: 100_000, company: false },
  { title: 'Rata kredytu', lo: 50_000, hi: 250_000, company: true },
];
