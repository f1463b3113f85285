import { type Language, type PluralForms, pluralForm } from '@kinko/domain';

/**
 * The Link pages' own words in ja/en/pl: headings, buttons, hints. A word that agrees with a
 * count takes its form from a plural catalogue entry through Intl.PluralRules
 * ({@link pluralForm}: Polish one/few/many), never from a hand-written rule. Aggregation status
 * labels are NOT here: they come from the domain's table (`describeStatus`), so the pages
 * show the seed's Japanese wording and never a retyped copy.
 */
export interface LinkTexts {
  readonly title: string;
  readonly language: string;
  readonly vaultHeading: string;
  readonly vaultEmpty: string;
  readonly addBank: string;
  readonly banksHeading: string;
  readonly searchLabel: string;
  readonly searchButton: string;
  readonly searchHint: string;
  readonly noBanks: string;
  readonly bankCode: string;
  readonly flowCredentials: string;
  readonly flowRedirect: string;
  readonly connectHeading: (bank: string) => string;
  readonly credentialsIntro: string;
  readonly credentialsAlternative: string;
  readonly connectButton: string;
  readonly redirectIntro: (bank: string) => string;
  readonly redirectButton: string;
  readonly backToVault: string;
  readonly backToBanks: string;
  readonly lastSuccess: (relative: string) => string;
  readonly neverUpdated: string;
  readonly progressHeading: string;
  readonly progressHint: string;
  readonly challengeHeading: string;
  readonly challengeExpires: (time: string) => string;
  readonly otpLabel: string;
  readonly otpDigits: (n: number) => string;
  readonly captchaLabel: string;
  readonly captchaAlt: string;
  readonly securityLabel: string;
  readonly puzzleLabel: string;
  readonly puzzleAlt: string;
  readonly puzzleHint: string;
  readonly answerButton: string;
  readonly answerWrong: string;
  readonly noChallenge: string;
  readonly actionAnswer: string;
  readonly actionLoginAgain: string;
  readonly actionReenter: string;
  readonly reenterHeading: string;
  readonly actionLoginAtBank: string;
  readonly loginAtBankHint: string;
  readonly actionContactBank: string;
  readonly actionLogOutElsewhere: string;
  readonly actionRetryLater: string;
  readonly actionRefresh: string;
  readonly actionWait: string;
  readonly actionReactivate: string;
  readonly actionDeactivate: string;
  readonly actionDisconnect: string;
  readonly actionReconnect: string;
  /** The consent expires within 14 days: `days` left (rounded up), on `date` (formatted). */
  readonly expiryWarning: (days: number, date: string) => string;
  /** Renew the consent at the bank, keeping the connection and its accounts. */
  readonly actionReauthorise: string;
  readonly actionDetails: string;
  readonly nothingToDo: string;
  readonly connectedNotice: string;
  readonly sessionExpiredHeading: string;
  readonly sessionExpired: string;
  readonly notFound: string;
  readonly problemHeading: string;
  readonly nextAction: string;
  /** Leave the flow and go back to the tenant's app (its return URL, status=cancelled). */
  readonly cancel: string;
  readonly poweredBy: string;
  /** "<app> uses Kinko to connect to <bank>". */
  readonly usesKinko: (app: string, bank: string) => string;
  readonly returnToApp: (app: string) => string;
  readonly returnUrlNotRegistered: string;
  /** The bank's callback of a flow started through the API without a return URL: "connected to <bank>". */
  readonly connectResultConnected: (bank: string) => string;
  readonly connectResultConnectedText: string;
  readonly connectResultNotConnected: string;
  /** The user declined at the bank, or the bank refused the login. */
  readonly connectResultDeclinedText: string;
  /** Any other failure of the callback (its reason follows). */
  readonly connectResultFailedText: string;
  /** A wrong answer to the secret question / OTP / CAPTCHA / puzzle: log in again for a new question. */
  readonly actionAnswerAgain: string;
  readonly answerAgainHint: string;
  readonly disconnectHeading: string;
  readonly disconnectQuestion: (bank: string) => string;
  readonly disconnectConfirm: string;
  readonly disconnectCancel: string;
  readonly disconnectedNotice: (bank: string) => string;
  readonly bankUnavailable: string;
  readonly fieldRequired: string;
  readonly captchaNewImage: string;
  readonly nextRefresh: (at: string) => string;
  readonly consentUntil: (date: string) => string;
  readonly accountsCaption: string;
  readonly accountColumn: string;
  readonly balanceColumn: string;
  readonly accountUnnamed: string;
  readonly balanceAsOf: (date: string) => string;
  readonly noBalance: string;
  /** The consent screen before the bank. */
  readonly consentHeading: (app: string) => string;
  readonly consentAccounts: string;
  readonly consentBalances: string;
  readonly consentTransactions: (days: number) => string;
  readonly consentValidity: (days: number, date: string) => string;
  readonly consentWithdraw: string;
  readonly consentWithdrawLink: string;
  readonly consentAgree: string;
}

/** "day" in English: one day, 2 days. */
const EN_DAYS: PluralForms = { one: 'day', other: 'days' };
/** "dzień" in Polish (nominative/accusative): 1 dzień, 2 dni, 5 dni, 22 dni; a fraction: 1,5 dnia. */
const PL_DAYS: PluralForms = { one: 'dzień', few: 'dni', many: 'dni', other: 'dnia' };
/** "dzień" in Polish after "z ostatnich" (genitive): 1 dnia, 2 dni, 5 dni. */
const PL_DAYS_GENITIVE: PluralForms = { one: 'dnia', few: 'dni', many: 'dni', other: 'dnia' };

const ja: LinkTexts = {
  title: 'Kinko 口座連携',
  language: '言語',
  vaultHeading: '登録済みの金融機関',
  vaultEmpty: 'まだ金融機関が登録されていません。',
  addBank: '金融機関を追加',
  banksHeading: '金融機関を選ぶ',
  searchLabel: '金融機関名または金融機関コード',
  searchButton: '検索',
  searchHint: '例: みずほ、0001',
  noBanks: '該当する金融機関がありません。',
  bankCode: '金融機関コード',
  flowCredentials: 'ログイン情報で接続',
  flowRedirect: '金融機関のサイトで認証',
  connectHeading: (bank) => `${bank}に接続`,
  credentialsIntro: 'インターネットバンキングのログイン情報を入力してください。ログイン情報は暗号化して保存されます。',
  credentialsAlternative: 'ログインIDの代わりに支店番号と口座番号でもログインできます。',
  connectButton: '接続する',
  redirectIntro: (bank) => `${bank}のサイトに移動して認証します。認証が終わるとこの画面に戻ります。`,
  redirectButton: '金融機関のサイトへ進む',
  backToVault: '登録済みの金融機関に戻る',
  backToBanks: '金融機関の一覧に戻る',
  lastSuccess: (relative) => `最終更新: ${relative}`,
  neverUpdated: 'まだ更新されていません',
  progressHeading: '処理状況',
  progressHint: 'この画面は自動的に更新されます。',
  challengeHeading: '追加認証',
  challengeExpires: (time) => `${time}までに回答してください。`,
  otpLabel: 'ワンタイムパスワード',
  otpDigits: (n) => `${n}桁`,
  captchaLabel: '画像に表示されている文字',
  captchaAlt: '画像認証の文字',
  securityLabel: '合言葉の答え',
  puzzleLabel: 'ピースを右に動かす距離（ピクセル）',
  puzzleAlt: 'パズル認証の画像',
  puzzleHint: 'ピースがくぼみにぴったり合う位置までの距離を入力してください。',
  answerButton: '送信する',
  answerWrong: '回答が受け付けられませんでした。',
  noChallenge: '回答を待っている質問はありません。もう一度ログインすると新しい質問が表示されます。',
  actionAnswer: '回答する',
  actionLoginAgain: 'もう一度ログインする',
  actionReenter: 'ログイン情報を入力し直す',
  reenterHeading: 'ログイン情報の再入力',
  actionLoginAtBank: '金融機関のサイトに直接ログインする',
  loginAtBankHint: '金融機関のサイトで確認が終わったら、更新してください。',
  actionContactBank: '金融機関の窓口でロックを解除してから、ログイン情報を入力し直してください。',
  actionLogOutElsewhere: 'ほかの端末やブラウザでログアウトしてから、更新してください。',
  actionRetryLater: 'しばらく時間をおいてから更新してください。',
  actionRefresh: '更新する',
  actionWait: 'しばらくお待ちください。',
  actionReactivate: '自動更新を有効にする',
  actionDeactivate: '自動更新を無効にする',
  actionDisconnect: '連携を解除する',
  actionReconnect: 'もう一度認証する',
  expiryWarning: (days, date) => `銀行への同意の有効期限まであと${days}日です（${date}）。期限が切れると更新が止まります。`,
  actionReauthorise: '同意を更新する',
  actionDetails: '詳細',
  nothingToDo: '現在この画面からできる操作はありません。',
  connectedNotice: '接続しました。口座情報を取得しています。',
  sessionExpiredHeading: 'セッションの有効期限が切れました',
  sessionExpired: 'アプリからもう一度この画面を開いてください。',
  notFound: 'ページが見つかりません。',
  problemHeading: '処理できませんでした',
  nextAction: '次の操作',
  cancel: 'キャンセルしてアプリに戻る',
  poweredBy: '口座連携は Kinko が提供しています。',
  usesKinko: (app, bank) => `${app}は${bank}との連携に Kinko を使用しています。`,
  returnToApp: (app) => `${app}に戻る`,
  returnUrlNotRegistered: '戻り先のURLが登録されていません。アプリの提供元にお問い合わせください。',
  connectResultConnected: (bank) => `${bank}と接続しました`,
  connectResultConnectedText: '口座情報を取得しています。このウィンドウを閉じて、アプリに戻ってください。',
  connectResultNotConnected: '接続されませんでした',
  connectResultDeclinedText: '銀行で許可されなかった（または銀行がログインを拒否した）ため、何も接続されていません。このウィンドウを閉じて、もう一度アプリからやり直してください。',
  connectResultFailedText: '何も接続されていません。このウィンドウを閉じて、もう一度アプリからやり直してください。',
  actionAnswerAgain: 'もう一度回答する',
  answerAgainHint: '回答が正しくありませんでした。もう一度ログインすると新しい質問が表示されます（パスワードの再入力は不要です）。',
  disconnectHeading: '連携の解除',
  disconnectQuestion: (bank) => `${bank}との連携を解除しますか？銀行でのアクセス権を取り消し、保存したログイン情報を削除します。取得済みのデータは残ります。`,
  disconnectConfirm: '解除する',
  disconnectCancel: '解除しない',
  disconnectedNotice: (bank) => `${bank}との連携を解除しました。今後は更新されません。取得済みのデータは残っています。`,
  bankUnavailable: 'この金融機関は現在ご利用いただけません。更新はできません。',
  fieldRequired: '入力してください',
  captchaNewImage: '別の画像を表示する',
  nextRefresh: (at) => `次に自動更新できる日時: ${at}`,
  consentUntil: (date) => `同意の有効期限: ${date}`,
  accountsCaption: '口座と残高',
  accountColumn: '口座',
  balanceColumn: '残高',
  accountUnnamed: '名称なしの口座',
  balanceAsOf: (date) => `${date}時点`,
  noBalance: '残高はまだありません',
  consentHeading: (app) => `${app}と共有される情報`,
  consentAccounts: '口座の情報（口座名・種類・口座番号・通貨）',
  consentBalances: '残高',
  consentTransactions: (days) => `入出金明細（最長で過去${days}日分）`,
  consentValidity: (days, date) => `同意の有効期間は最長${days}日間（${date}まで）です。金融機関がこれより短い期間を定めることがあります。`,
  consentWithdraw: '同意はいつでも取り消せます。',
  consentWithdrawLink: '登録済みの金融機関で「連携を解除する」を選んでください',
  consentAgree: '次のボタンを押すと、上記の情報の取得に同意したことになります。',
};

const en: LinkTexts = {
  title: 'Kinko bank connections',
  language: 'Language',
  vaultHeading: 'Your connected banks',
  vaultEmpty: 'No bank is connected yet.',
  addBank: 'Add a bank',
  banksHeading: 'Choose your bank',
  searchLabel: 'Bank name or bank code',
  searchButton: 'Search',
  searchHint: 'For example: Mizuho, 0001',
  noBanks: 'No bank matches.',
  bankCode: 'Bank code',
  flowCredentials: 'Connect with your login details',
  flowRedirect: "Authorise on the bank's site",
  connectHeading: (bank) => `Connect ${bank}`,
  credentialsIntro: 'Enter your internet banking login details. They are stored encrypted.',
  credentialsAlternative: 'Instead of the login ID you can use your branch code and account number.',
  connectButton: 'Connect',
  redirectIntro: (bank) => `You will be taken to ${bank}'s site to authorise access, then brought back here.`,
  redirectButton: "Continue to the bank's site",
  backToVault: 'Back to your banks',
  backToBanks: 'Back to the list of banks',
  lastSuccess: (relative) => `Last update: ${relative}`,
  neverUpdated: 'Not updated yet',
  progressHeading: 'Progress',
  progressHint: 'This page updates by itself.',
  challengeHeading: 'Additional verification',
  challengeExpires: (time) => `Please answer before ${time}.`,
  otpLabel: 'One-time password',
  otpDigits: (n) => `${n} ${pluralForm('en', n, { one: 'digit', other: 'digits' })}`,
  captchaLabel: 'The characters shown in the image',
  captchaAlt: 'Image verification characters',
  securityLabel: 'Your answer to the security question',
  puzzleLabel: 'How far to move the piece to the right (pixels)',
  puzzleAlt: 'Puzzle verification picture',
  puzzleHint: 'Enter the distance at which the piece fits the gap exactly.',
  answerButton: 'Submit',
  answerWrong: 'The answer was not accepted.',
  noChallenge: 'No question is waiting for an answer. Log in again to get a new one.',
  actionAnswer: 'Answer',
  actionLoginAgain: 'Log in again',
  actionReenter: 'Re-enter your login details',
  reenterHeading: 'Re-enter your login details',
  actionLoginAtBank: "Log in at the bank's site directly",
  loginAtBankHint: "When you have dealt with it on the bank's site, refresh.",
  actionContactBank: 'Have the bank unlock your access, then re-enter your login details.',
  actionLogOutElsewhere: 'Log out on your other devices or browsers, then refresh.',
  actionRetryLater: 'Please refresh again later.',
  actionRefresh: 'Refresh',
  actionWait: 'Please wait.',
  actionReactivate: 'Turn automatic updates on',
  actionDeactivate: 'Turn automatic updates off',
  actionDisconnect: 'Disconnect',
  actionReconnect: 'Authorise again',
  expiryWarning: (days, date) => `Your consent at the bank expires in ${days} ${pluralForm('en', days, EN_DAYS)} (${date}). Updates stop when it expires.`,
  actionReauthorise: 'Renew consent',
  actionDetails: 'Details',
  nothingToDo: 'There is nothing to do here right now.',
  connectedNotice: 'Connected. Your accounts are being fetched.',
  sessionExpiredHeading: 'Your session has expired',
  sessionExpired: 'Please open this page again from the app.',
  notFound: 'Page not found.',
  problemHeading: 'That did not work',
  nextAction: 'Next step',
  cancel: 'Cancel and go back to the app',
  poweredBy: 'Bank connections by Kinko.',
  usesKinko: (app, bank) => `${app} uses Kinko to connect to ${bank}.`,
  returnToApp: (app) => `Back to ${app}`,
  returnUrlNotRegistered: 'The return address is not registered. Please contact the app’s provider.',
  connectResultConnected: (bank) => `Connected to ${bank}`,
  connectResultConnectedText: 'Your accounts are being fetched. You can close this window and return to the app.',
  connectResultNotConnected: 'Not connected',
  connectResultDeclinedText: 'Access was declined at the bank (or the bank refused the login): nothing was connected. You can close this window and start again from the app.',
  connectResultFailedText: 'Nothing was connected. You can close this window and start again from the app.',
  actionAnswerAgain: 'Answer again',
  answerAgainHint: 'The answer was wrong. Log in again to get a new question (no need to re-enter your password).',
  disconnectHeading: 'Disconnect',
  disconnectQuestion: (bank) => `Disconnect ${bank}? Access is revoked at the bank and your stored login details are deleted. The data already fetched is kept.`,
  disconnectConfirm: 'Disconnect',
  disconnectCancel: 'Keep the connection',
  disconnectedNotice: (bank) => `${bank} is disconnected. It will no longer be updated; the data already fetched is kept.`,
  bankUnavailable: 'This bank is no longer available. It cannot be refreshed.',
  fieldRequired: 'required',
  captchaNewImage: 'Show a new image',
  nextRefresh: (at) => `Next automatic update possible: ${at}`,
  consentUntil: (date) => `Consent valid until ${date}`,
  accountsCaption: 'Accounts and balances',
  accountColumn: 'Account',
  balanceColumn: 'Balance',
  accountUnnamed: 'Unnamed account',
  balanceAsOf: (date) => `as of ${date}`,
  noBalance: 'No balance yet',
  consentHeading: (app) => `What ${app} will get`,
  consentAccounts: 'Your accounts (name, type, account number, currency)',
  consentBalances: 'Their balances',
  consentTransactions: (days) => `Their transactions, up to the last ${days} ${pluralForm('en', days, EN_DAYS)}`,
  consentValidity: (days, date) => `Your consent lasts at most ${days} ${pluralForm('en', days, EN_DAYS)} (until ${date}); the bank may set a shorter period.`,
  consentWithdraw: 'You can withdraw your consent at any time:',
  consentWithdrawLink: 'choose “Disconnect” in your connected banks',
  consentAgree: 'By continuing you agree to this data being fetched.',
};

const pl: LinkTexts = {
  title: 'Kinko — połączenia z bankami',
  language: 'Język',
  vaultHeading: 'Twoje połączone banki',
  vaultEmpty: 'Nie połączono jeszcze żadnego banku.',
  addBank: 'Dodaj bank',
  banksHeading: 'Wybierz bank',
  searchLabel: 'Nazwa banku lub kod banku',
  searchButton: 'Szukaj',
  searchHint: 'Na przykład: Mizuho, 0001',
  noBanks: 'Brak pasujących banków.',
  bankCode: 'Kod banku',
  flowCredentials: 'Połączenie danymi logowania',
  flowRedirect: 'Autoryzacja na stronie banku',
  connectHeading: (bank) => `Połącz: ${bank}`,
  credentialsIntro: 'Podaj dane logowania do bankowości internetowej. Są przechowywane w postaci zaszyfrowanej.',
  credentialsAlternative: 'Zamiast identyfikatora możesz podać kod oddziału i numer rachunku.',
  connectButton: 'Połącz',
  redirectIntro: (bank) => `Przejdziesz na stronę banku ${bank}, aby udzielić dostępu, a potem wrócisz tutaj.`,
  redirectButton: 'Przejdź na stronę banku',
  backToVault: 'Wróć do listy banków',
  backToBanks: 'Wróć do wyboru banku',
  lastSuccess: (relative) => `Ostatnia aktualizacja: ${relative}`,
  neverUpdated: 'Jeszcze nie zaktualizowano',
  progressHeading: 'Postęp',
  progressHint: 'Ta strona odświeża się sama.',
  challengeHeading: 'Dodatkowa weryfikacja',
  challengeExpires: (time) => `Odpowiedz przed ${time}.`,
  otpLabel: 'Hasło jednorazowe',
  otpDigits: (n) => `${n} ${pluralForm('pl', n, { one: 'cyfra', few: 'cyfry', many: 'cyfr', other: 'cyfry' })}`,
  captchaLabel: 'Znaki widoczne na obrazku',
  captchaAlt: 'Znaki weryfikacji obrazkowej',
  securityLabel: 'Odpowiedź na pytanie bezpieczeństwa',
  puzzleLabel: 'O ile przesunąć element w prawo (piksele)',
  puzzleAlt: 'Obrazek układanki',
  puzzleHint: 'Podaj odległość, przy której element dokładnie wypełnia lukę.',
  answerButton: 'Wyślij',
  answerWrong: 'Odpowiedź nie została przyjęta.',
  noChallenge: 'Żadne pytanie nie czeka na odpowiedź. Zaloguj się ponownie, aby dostać nowe.',
  actionAnswer: 'Odpowiedz',
  actionLoginAgain: 'Zaloguj się ponownie',
  actionReenter: 'Podaj dane logowania ponownie',
  reenterHeading: 'Ponowne podanie danych logowania',
  actionLoginAtBank: 'Zaloguj się bezpośrednio na stronie banku',
  loginAtBankHint: 'Gdy załatwisz sprawę na stronie banku, odśwież.',
  actionContactBank: 'Poproś bank o odblokowanie dostępu, a potem podaj dane logowania ponownie.',
  actionLogOutElsewhere: 'Wyloguj się na innych urządzeniach lub w innych przeglądarkach, a potem odśwież.',
  actionRetryLater: 'Odśwież ponownie za jakiś czas.',
  actionRefresh: 'Odśwież',
  actionWait: 'Proszę czekać.',
  actionReactivate: 'Włącz automatyczne odświeżanie',
  actionDeactivate: 'Wyłącz automatyczne odświeżanie',
  actionDisconnect: 'Odłącz',
  actionReconnect: 'Autoryzuj ponownie',
  expiryWarning: (days, date) => `Zgoda udzielona bankowi wygasa za ${days} ${pluralForm('pl', days, PL_DAYS)} (${date}). Po jej wygaśnięciu aktualizacje ustaną.`,
  actionReauthorise: 'Odnów zgodę',
  actionDetails: 'Szczegóły',
  nothingToDo: 'W tej chwili nie ma tu nic do zrobienia.',
  connectedNotice: 'Połączono. Pobieramy dane rachunków.',
  sessionExpiredHeading: 'Sesja wygasła',
  sessionExpired: 'Otwórz tę stronę ponownie z aplikacji.',
  notFound: 'Nie znaleziono strony.',
  problemHeading: 'Nie udało się',
  nextAction: 'Następny krok',
  cancel: 'Anuluj i wróć do aplikacji',
  poweredBy: 'Połączenia z bankami zapewnia Kinko.',
  usesKinko: (app, bank) => `${app} używa Kinko do połączenia z bankiem ${bank}.`,
  returnToApp: (app) => `Wróć do ${app}`,
  returnUrlNotRegistered: 'Adres powrotu nie jest zarejestrowany. Skontaktuj się z dostawcą aplikacji.',
  connectResultConnected: (bank) => `Połączono z: ${bank}`,
  connectResultConnectedText: 'Trwa pobieranie danych rachunków. Możesz zamknąć to okno i wrócić do aplikacji.',
  connectResultNotConnected: 'Nie połączono',
  connectResultDeclinedText: 'Dostęp nie został udzielony w banku (albo bank odmówił logowania): nic nie zostało połączone. Możesz zamknąć to okno i zacząć od nowa w aplikacji.',
  connectResultFailedText: 'Nic nie zostało połączone. Możesz zamknąć to okno i zacząć od nowa w aplikacji.',
  actionAnswerAgain: 'Odpowiedz ponownie',
  answerAgainHint: 'Odpowiedź była błędna. Zaloguj się ponownie, aby dostać nowe pytanie (bez ponownego podawania hasła).',
  disconnectHeading: 'Odłączanie',
  disconnectQuestion: (bank) => `Odłączyć ${bank}? Dostęp zostanie cofnięty w banku, a zapisane dane logowania usunięte. Pobrane dane pozostaną.`,
  disconnectConfirm: 'Odłącz',
  disconnectCancel: 'Nie odłączaj',
  disconnectedNotice: (bank) => `Odłączono ${bank}. Nie będzie już aktualizowany; pobrane dane pozostały.`,
  bankUnavailable: 'Ten bank nie jest już dostępny. Nie można go odświeżyć.',
  fieldRequired: 'pole wymagane',
  captchaNewImage: 'Pokaż nowy obrazek',
  nextRefresh: (at) => `Następna automatyczna aktualizacja możliwa: ${at}`,
  consentUntil: (date) => `Zgoda ważna do ${date}`,
  accountsCaption: 'Rachunki i salda',
  accountColumn: 'Rachunek',
  balanceColumn: 'Saldo',
  accountUnnamed: 'Rachunek bez nazwy',
  balanceAsOf: (date) => `na dzień ${date}`,
  noBalance: 'Brak salda',
  consentHeading: (app) => `Co otrzyma ${app}`,
  consentAccounts: 'Twoje rachunki (nazwa, rodzaj, numer rachunku, waluta)',
  consentBalances: 'Ich salda',
  consentTransactions: (days) => `Ich transakcje z ostatnich ${days} ${pluralForm('pl', days, PL_DAYS_GENITIVE)}`,
  consentValidity: (days, date) => `Zgoda obowiązuje najwyżej ${days} ${pluralForm('pl', days, PL_DAYS)} (do ${date}); bank może ustalić krótszy okres.`,
  consentWithdraw: 'Zgodę możesz wycofać w każdej chwili:',
  consentWithdrawLink: 'wybierz „Odłącz” na liście połączonych banków',
  consentAgree: 'Przechodząc dalej, zgadzasz się na pobranie tych danych.',
};

/** The Link pages' texts per language. */
export const LINK_TEXTS: Readonly<Record<Language, LinkTexts>> = { ja, en, pl };

/** The name of each language in itself (the language switcher). */
export const LANGUAGE_NAMES: Readonly<Record<Language, string>> = { ja: '日本語', en: 'English', pl: 'Polski' };
