/**
 * Japanese transaction vocabulary: descriptions the way Japanese banks print them —
 * full-width text, zengin-style large kana in transfer names (カ）ヤマダシヨウジ),
 * an ideographic space between the kind and the counterparty.
 */
import { logUniform, type LedgerProfile, type TransactionKind } from './profile';
import { pickBy, unit } from './prng';

const floor = Math.floor; // a local copy: global lookups are slow inside vm contexts (jest)

const SURNAMES = [
  'ヤマダ', 'サトウ', 'スズキ', 'タカハシ', 'タナカ', 'ワタナベ', 'イトウ', 'ナカムラ', 'コバヤシ', 'カトウ',
  'ヨシダ', 'ヤマモト', 'サイトウ', 'マツモト', 'イノウエ', 'キムラ', 'ハヤシ', 'シミズ', 'ヤマグチ', 'モリ',
] as const;
const GIVEN_NAMES = [
  'タロウ', 'ハナコ', 'イチロウ', 'ユウコ', 'ケンジ', 'アキコ', 'ヒロシ', 'ミキ', 'ダイスケ', 'サクラ', 'マコト', 'ヨウコ',
] as const;
const COMPANY_STEMS = [
  'ヤマダシヨウジ', 'サクラコウギヨウ', 'ミドリケンセツ', 'アオバシステム', 'フジタウンユ', 'ヒカリデンキ',
  'ミナトシヨウカイ', 'ツバサフーズ', 'ホクトセイミツ', 'アサヒカガク', 'コトブキヤクヒン', 'ダイトウブツリユウ',
  'トウカイインサツ', 'キタノセイカ', 'ニシキテキスタイル', 'カワセミソフト',
] as const;
const LANDLORDS = ['ミナトフドウサン（カ', 'カ）サクラジユウタク', 'ユ）アオバカンリ', 'カ）ヒカリレジデンス'] as const;
const UTILITIES = [
  'デンキ　トウキヨウデンリヨク', 'ガス　トウキヨウガス', 'スイドウ　トウキヨウト', 'ＮＴＴドコモ', 'ＫＤＤＩ',
  'ソフトバンク', 'エヌエイチケイ', 'ニツポンセイメイ',
] as const;
const CARD_COMPANIES = ['ミツイスミトモカード', 'ラクテンカード', 'ＪＣＢ', 'セゾンカード', 'イオンクレジツト'] as const;
const MERCHANTS = [
  'ＡＭＡＺＯＮ．ＣＯ．ＪＰ', 'セブン－イレブン', 'ローソン', 'ファミリーマート', 'スターバックス', 'ユニクロ',
  'ＥＴＣ', 'モバイルＳｕｉｃａ', 'ヨドバシカメラ', 'ＡＰＰＬＥ．ＣＯＭ／ＢＩＬＬ', 'ＮＥＴＦＬＩＸ．ＣＯＭ',
  'マクドナルド', 'イオン', 'ビックカメラ', 'ＪＡＬ', 'ＡＮＡ',
] as const;
const ATM_OUT = ['ＡＴＭ出金', 'カード　セブン銀行', 'カード　イーネット', 'カード　ローソン銀行', 'カード'] as const;
const ATM_IN = ['ＡＴＭ入金', 'カード入金　セブン銀行', 'カード入金　ローソン銀行'] as const;
const TAXES = ['税金　コクゼイ', '税金　ジユウミンゼイ', '税金　ジギヨウゼイ'] as const;
const LEASING = ['オリツクス', 'ミツビシＨＣ', 'トウキヨウセンチユリー'] as const;

/** A zengin-style company name: カ） (株式会社) before, or （カ after; ユ） 有限会社; ド） 合同会社. */
function company(u: number): string {
  const stem = pickBy(COMPANY_STEMS, u);
  const form = floor(u * 997) % 5;
  return form === 0 ? `${stem}（カ` : form === 1 ? `ユ）${stem}` : form === 2 ? `ド）${stem}` : `カ）${stem}`;
}

function person(u: number): string {
  return pickBy(SURNAMES, u) + '　' + pickBy(GIVEN_NAMES, (u * 7919) % 1);
}

const kind = (
  code: string,
  weight: number,
  amount: (u: number) => number,
  describe: (u: number, flavour: number) => string,
): TransactionKind => ({ code, weight, amount, describe });

const salary = kind(
  'salary',
  0,
  (u) => 180_000 + floor(u * 270_000),
  (_u, flavour) => '給与　' + company(unit(flavour, 'employer')),
);
const atmDeposit = kind('atm-deposit', 2, (u) => pickBy([10_000, 20_000, 30_000, 50_000, 100_000], u), (u) => pickBy(ATM_IN, u));

/** A personal ordinary (普通) or general (総合) account: salary, ATM, debit card, direct debits. */
export const personalAccount: LedgerProfile = {
  name: 'personal-ordinary',
  incomes: [
    kind('transfer-in', 3, (u) => logUniform(u, 1_000, 100_000), (u) => '振込　' + person(u)),
    atmDeposit,
    kind('interest', 0.2, (u) => logUniform(u, 1, 300), () => '利息'),
  ],
  expenses: [
    kind('atm-withdrawal', 3, (u) => pickBy([10_000, 20_000, 30_000, 40_000, 50_000], u), (u) => pickBy(ATM_OUT, u)),
    kind('debit-card', 5, (u) => logUniform(u, 150, 30_000), (u) => 'デビット　' + pickBy(MERCHANTS, u)),
    kind('direct-debit', 2, (u) => logUniform(u, 2_000, 15_000), (u) => '口座振替　' + pickBy(UTILITIES, u)),
    kind('card-bill', 1, (u) => logUniform(u, 10_000, 150_000), (u) => '口座振替　' + pickBy(CARD_COMPANIES, u)),
    kind('transfer-out', 1.5, (u) => logUniform(u, 3_000, 150_000), (u, flavour) =>
      u < 0.3 ? '振込　' + pickBy(LANDLORDS, unit(flavour, 'landlord')) : '振込　' + person(u),
    ),
    kind('transfer-fee', 0.8, (u) => pickBy([110, 145, 220, 330, 440], u), () => '振込手数料'),
  ],
  topUp: atmDeposit,
  payday: salary,
  incomeBias: 0.3,
  allowNegative: false,
  weekendFactor: 0.7,
  cancelRate: 0.005,
};

const companyTransferIn = kind('transfer-in', 6, (u) => logUniform(u, 20_000, 5_000_000), (u) => '振込　' + company(u));

/** A corporate ordinary or current (当座) account: customer receipts, supplier payments, payroll, taxes. */
export const corporateAccount: LedgerProfile = {
  name: 'corporate',
  incomes: [companyTransferIn, kind('bill-collection', 0.5, (u) => logUniform(u, 100_000, 3_000_000), () => '手形入金')],
  expenses: [
    kind('transfer-out', 6, (u) => logUniform(u, 10_000, 3_000_000), (u) => '振込　' + company(u)),
    kind('payroll', 0.4, (u) => logUniform(u, 500_000, 8_000_000), (u) => (u < 0.5 ? '総合振込' : '給与振込')),
    kind('tax', 0.3, (u) => logUniform(u, 50_000, 2_000_000), (u) => pickBy(TAXES, u)),
    kind('social-insurance', 0.3, (u) => logUniform(u, 100_000, 1_500_000), () => '社会保険料　ネンキンキコウ'),
    kind('lease', 0.4, (u) => logUniform(u, 20_000, 300_000), (u) => '口座振替　リースリヨウ　' + pickBy(LEASING, u)),
    kind('transfer-fee', 2, (u) => pickBy([440, 660, 770, 880], u), () => '振込手数料'),
  ],
  topUp: companyTransferIn,
  incomeBias: 0.45,
  allowNegative: false,
  weekendFactor: 0.15,
  cancelRate: 0.003,
};

/** A time deposit (定期預金): few movements, mostly interest and new deposits. */
export const timeDepositAccount: LedgerProfile = {
  name: 'time-deposit',
  incomes: [
    kind('interest', 3, (u) => logUniform(u, 10, 5_000), () => '利息'),
    kind('deposit', 1, (u) => pickBy([100_000, 300_000, 500_000, 1_000_000], u), () => '定期預金　預入'),
  ],
  expenses: [kind('withdrawal', 1, (u) => pickBy([100_000, 300_000, 500_000], u), () => '定期預金　解約')],
  topUp: kind('deposit', 1, (u) => pickBy([100_000, 300_000, 500_000, 1_000_000], u), () => '定期預金　預入'),
  incomeBias: 0.7,
  allowNegative: false,
  weekendFactor: 0,
  cancelRate: 0,
};

const cardPayment = kind('card-payment', 1, (u) => logUniform(u, 30_000, 200_000), () => 'ご入金　口座振替');

/** A credit card shown as its own account: purchases take the balance below zero, payments bring it back. */
export const creditCardAccount: LedgerProfile = {
  name: 'credit-card',
  incomes: [cardPayment],
  expenses: [
    kind('purchase', 30, (u) => logUniform(u, 100, 50_000), (u) => pickBy(MERCHANTS, u)),
    kind('annual-fee', 0.05, (u) => (u < 0.5 ? 1_375 : 11_000), () => '年会費'),
  ],
  topUp: cardPayment,
  incomeBias: 0.1,
  allowNegative: true,
  ceiling: 0,
  weekendFactor: 1.2,
  cancelRate: 0.01,
};
