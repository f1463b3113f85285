import { Schema } from 'effect';
import type { AggregationStatusGroup, KnownAggregationStatus } from './aggregation-status';

/** The languages Kinko labels statuses in. */
export const Language = Schema.Literals(['ja', 'en', 'pl']);
/** A label language. */
export type Language = typeof Language.Type;

/** One text per language. */
export type Labels = Readonly<Record<Language, string>>;

/**
 * Screen labels of the 23 statuses. Japanese is the seed's own wording ("Moneytreeの画面上の
 * 表記"), word for word; English and Polish say the same. The seed warns the wording may
 * change, which is why it lives here as data.
 */
export const statusLabels: Readonly<Record<KnownAggregationStatus, Labels>> = {
  'running.auth': { ja: '接続中', en: 'Connecting', pl: 'Łączenie z bankiem' },
  'running.data': { ja: '明細をダウンロード中', en: 'Downloading transactions', pl: 'Pobieranie historii transakcji' },
  'running.intelligence': { ja: '新しい取引明細を分析中', en: 'Analysing new transactions', pl: 'Analizowanie nowych transakcji' },
  success: { ja: 'ただ今更新されました', en: 'Updated just now', pl: 'Zaktualizowano przed chwilą' },
  'guest.intervention.required': {
    ja: '直接ログインしてください',
    en: 'Please log in at your bank directly',
    pl: 'Zaloguj się bezpośrednio w banku',
  },
  inactive: {
    ja: '自動更新が無効になっています',
    en: 'Automatic updates are turned off',
    pl: 'Automatyczne odświeżanie jest wyłączone',
  },
  'suspended.missing-answer.auth.security': {
    ja: '追加情報が必要',
    en: 'Additional information required',
    pl: 'Wymagane dodatkowe informacje',
  },
  'suspended.missing-answer.auth.otp': {
    ja: 'ワンタイムパスワードが必要',
    en: 'One-time password required',
    pl: 'Wymagane hasło jednorazowe',
  },
  'suspended.missing-answer.auth.captcha': {
    ja: '画像認証が必要',
    en: 'Image verification required',
    pl: 'Wymagana weryfikacja obrazkowa',
  },
  'suspended.missing-answer.auth.puzzle': {
    ja: 'パズル認証が必要',
    en: 'Puzzle verification required',
    pl: 'Wymagane rozwiązanie układanki',
  },
  'auth.creds.invalid': {
    ja: '認証情報に誤りがあります',
    en: 'Your login details are incorrect',
    pl: 'Nieprawidłowe dane logowania',
  },
  'auth.creds.security.invalid': {
    ja: '認証情報に誤りがあります',
    en: 'Your login details are incorrect',
    pl: 'Nieprawidłowe dane logowania',
  },
  'auth.creds.otp.invalid': {
    ja: 'ワンタイムパスワードが必要',
    en: 'One-time password required',
    pl: 'Wymagane hasło jednorazowe',
  },
  'auth.creds.captcha.invalid': {
    ja: '画像認証に誤りがあります',
    en: 'The image verification answer is incorrect',
    pl: 'Nieprawidłowa odpowiedź w weryfikacji obrazkowej',
  },
  'auth.creds.puzzle.invalid': {
    ja: 'パズル認証に誤りがあります',
    en: 'The puzzle verification answer is incorrect',
    pl: 'Nieprawidłowe rozwiązanie układanki',
  },
  'auth.creds.locked.temporary': { ja: 'ロックされています', en: 'Access is locked', pl: 'Dostęp jest zablokowany' },
  'auth.creds.locked.permanent': { ja: 'ロックされています', en: 'Access is locked', pl: 'Dostęp jest zablokowany' },
  'error.service.unavailable': {
    ja: '金融機関がメンテナンス中',
    en: 'Your bank is under maintenance',
    pl: 'Bank jest w trakcie prac serwisowych',
  },
  'error.session': { ja: 'ログアウトしてください', en: 'Please log out', pl: 'Wyloguj się' },
  'error.network': { ja: '一時的な接続エラー', en: 'Temporary connection error', pl: 'Tymczasowy błąd połączenia' },
  'error.temporary': { ja: '一時的な接続エラー', en: 'Temporary connection error', pl: 'Tymczasowy błąd połączenia' },
  'error.permanent': { ja: '一時的な接続エラー', en: 'Temporary connection error', pl: 'Tymczasowy błąd połączenia' },
  'error.unsupported': { ja: '一時的な接続エラー', en: 'Temporary connection error', pl: 'Tymczasowy błąd połączenia' },
};

/**
 * Generic labels for a status the table does not know, by its group. Where the seed has a
 * wording for the whole group (connecting, wrong login details, connection error) it is reused.
 */
export const groupLabels: Readonly<Record<AggregationStatusGroup, Labels>> = {
  running: statusLabels['running.auth'],
  ok: statusLabels.success,
  'intervention-required': statusLabels['guest.intervention.required'],
  inactive: statusLabels.inactive,
  waiting: { ja: '追加認証が必要', en: 'Additional verification required', pl: 'Wymagana dodatkowa weryfikacja' },
  'auth-error': statusLabels['auth.creds.invalid'],
  error: statusLabels['error.temporary'],
  unknown: { ja: '状態を確認できません', en: 'Status unavailable', pl: 'Stan nieznany' },
};

/** A unit of elapsed time in a relative label. */
type TimeUnit = 'minute' | 'hour' | 'day';

/** The CLDR locale of each label language (the one place it is chosen). */
export const LOCALES: Readonly<Record<Language, string>> = { ja: 'ja-JP', en: 'en-GB', pl: 'pl-PL' };

const pluralRules: Readonly<Record<Language, Intl.PluralRules>> = {
  ja: new Intl.PluralRules(LOCALES.ja),
  en: new Intl.PluralRules(LOCALES.en),
  pl: new Intl.PluralRules(LOCALES.pl),
};

/** A catalogue entry with a form per plural category of the language (CLDR: ja other; en one/other; pl one/few/many/other). */
export type PluralForms = Partial<Readonly<Record<Intl.LDMLPluralRule, string>>> & { readonly other: string };

/**
 * The form for a count `n`: its CLDR plural category in the language (Intl.PluralRules:
 * Polish 1 one, 2–4 and 22–24 few, 5–21 and 25 many), and `other` for a category the entry
 * leaves out.
 */
export function pluralForm(lang: Language, n: number, forms: PluralForms): string {
  return forms[pluralRules[lang].select(n)] ?? forms.other;
}

const relativeFormats: Readonly<Record<Language, Intl.RelativeTimeFormat>> = {
  ja: new Intl.RelativeTimeFormat(LOCALES.ja, { numeric: 'always' }),
  en: new Intl.RelativeTimeFormat(LOCALES.en, { numeric: 'always' }),
  pl: new Intl.RelativeTimeFormat(LOCALES.pl, { numeric: 'always' }),
};

/**
 * "N units ago" wording of the success label, per language, through Intl.RelativeTimeFormat
 * ("3 分前", "3 minutes ago", "3 minuty temu"); the Japanese one written solid as the seed
 * does ("3分前に更新されました").
 */
const relativeLabel: Readonly<Record<Language, (n: number, unit: TimeUnit) => string>> = {
  ja: (n, unit) => `${relativeFormats.ja.format(-n, unit).replace(/\s+/g, '')}に更新されました`,
  en: (n, unit) => `Updated ${relativeFormats.en.format(-n, unit)}`,
  pl: (n, unit) => `Zaktualizowano ${relativeFormats.pl.format(-n, unit)}`,
};

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/**
 * The success label with the time since the last success, as the seed describes it:
 * under a minute "ただ今更新されました", then whole minutes ("3分前に更新されました"),
 * hours from 60 minutes, days from 24 hours. A success "in the future" (clock skew) reads
 * as just now.
 */
export function relativeSuccessLabel(succeededAt: Date, now: Date, lang: Language): string {
  const elapsed = now.getTime() - succeededAt.getTime();
  if (elapsed < MINUTE_MS) return statusLabels.success[lang];
  const [n, unit]: [number, TimeUnit] =
    elapsed < HOUR_MS
      ? [Math.floor(elapsed / MINUTE_MS), 'minute']
      : elapsed < DAY_MS
        ? [Math.floor(elapsed / HOUR_MS), 'hour']
        : [Math.floor(elapsed / DAY_MS), 'day'];
  return relativeLabel[lang](n, unit);
}
