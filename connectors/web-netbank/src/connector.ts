/**
 * The connector: logs in with the user's credentials like a browser (cookie jar, the
 * bank's forms), relays the challenges the bank asks, and reads accounts and statements
 * from the HTML pages.
 */
import { Redacted } from 'effect';
import {
  ConnectorErrors,
  CookieJar,
  defineConnector,
  deserializeCookieJar,
  err,
  isConnectorError,
  ok,
  serializeCookieJar,
  type Account,
  type AuthStep,
  type Connector,
  type CredentialField,
  type FetchWindow,
  type Granted,
  type Outcome,
  type PageStream,
  type Transaction,
} from '@kinko/connector-sdk';
import { webNetbankManifest, type WebNetbankOptions } from './manifest';
import { errorOfPage, isLoggedOutPage, unrecognised, type BankPage } from './pages';
import { sealCredentials, unsealCredentials, type SealedCredentials } from './seal';
import { WebNetbankChallengeState, WebNetbankConfig, WebNetbankGrant, type NetbankLogin } from './schemas';
import { SessionPool, type SessionEntry } from './sessions';
import { BankSite, type LoginInput, type LoginStep } from './site';
import { parseAccountList, parseStatementPage, transactionBuilder } from './statements';

type Grant = WebNetbankGrant;
type State = WebNetbankChallengeState;

/** The credential form: a login id, or (instead) branch code + account number; and the password. */
export const webNetbankCredentialFields: readonly CredentialField[] = [
  {
    name: 'userId',
    label: {
      ja: 'ログインID（店番・口座番号でログインする場合は空欄）',
      en: 'Login ID (leave empty to log in with branch and account number)',
      pl: 'Identyfikator logowania (puste przy logowaniu numerem oddziału i rachunku)',
    },
    secret: false,
  },
  { name: 'branchCode', label: { ja: '店番（3桁）', en: 'Branch number (3 digits)', pl: 'Numer oddziału (3 cyfry)' }, secret: false, inputMode: 'numeric' },
  { name: 'accountNumber', label: { ja: '口座番号（7桁）', en: 'Account number (7 digits)', pl: 'Numer rachunku (7 cyfr)' }, secret: false, inputMode: 'numeric' },
  { name: 'password', label: { ja: 'ログインパスワード', en: 'Login password', pl: 'Hasło logowania' }, secret: true },
];

/**
 * The credential fields of the bank's login form: those of {@link webNetbankCredentialFields}
 * the form has (labels in ja/en/pl from there; secret when the page's input is a password).
 * A form without the password, or without a login id nor branch and account number, is not a
 * login form this connector can fill in: PermanentError.
 */
export function credentialFieldsOf(inputs: readonly LoginInput[]): Outcome<readonly CredentialField[]> {
  const byName = new Map(inputs.map((i) => [i.name, i]));
  const fields = webNetbankCredentialFields.flatMap((f) => {
    const input = byName.get(f.name);
    return input === undefined ? [] : [{ ...f, secret: input.secret }];
  });
  const has = (name: string): boolean => byName.has(name);
  if (!has('password') || !(has('userId') || (has('branchCode') && has('accountNumber')))) {
    return err(ConnectorErrors.permanent({ code: 'unrecognised_page', message: `login form: it asks for ${inputs.map((i) => i.name).join(', ') || 'nothing'}, not a login id or account and a password` }));
  }
  return ok(fields);
}

/** Reads the credential form; a missing field is CredentialsInvalid (the user must fill it in). */
function credentialsOf(credentials: Readonly<Record<string, Redacted.Redacted<string>>>): Outcome<SealedCredentials> {
  const text = (name: string): string => {
    const v = credentials[name];
    return v === undefined ? '' : Redacted.value(v).trim();
  };
  const password = credentials.password;
  if (password === undefined || Redacted.value(password) === '') return err(ConnectorErrors.credentialsInvalid({ message: 'the password is missing' }));
  let login: NetbankLogin;
  if (text('userId') !== '') login = { _tag: 'userId', userId: Redacted.make(text('userId')) };
  else if (text('branchCode') !== '' && text('accountNumber') !== '') {
    login = { _tag: 'account', branchCode: Redacted.make(text('branchCode')), accountNumber: Redacted.make(text('accountNumber')) };
  } else return err(ConnectorErrors.credentialsInvalid({ message: 'a login id, or a branch code and an account number, is required' }));
  return ok({ login, password });
}

/**
 * Defines a connector for one net bank of this family (its id, name, hosts and limits).
 * Config: `{ baseUrl, stateKey }` (see {@link WebNetbankConfig}).
 */
export function defineWebNetbankConnector(options: WebNetbankOptions = {}): Connector {
  return defineConnector<Grant, State, WebNetbankConfig>({
    manifest: webNetbankManifest(options),
    config: WebNetbankConfig,
    grant: WebNetbankGrant,
    challengeState: WebNetbankChallengeState,
    create({ http, config, manifest }) {
      const site = new BankSite(http, new URL(config.baseUrl));
      const sessions = new SessionPool();
      const currency = manifest.currency;

      function granted(jar: CookieJar, credentials: SealedCredentials): Granted<Grant> {
        const grant: Grant = { version: 1, login: credentials.login, password: credentials.password, cookies: serializeCookieJar(jar) };
        // The login's own session serves the calls that follow at once (no second login, no second OTP).
        sessions.alias(grant, { jar, generation: 0, relogin: undefined });
        return { type: 'granted', grant };
      }

      function nextStep(step: Outcome<LoginStep>, jar: CookieJar, credentials: SealedCredentials, stepNumber: number): Outcome<AuthStep<Grant, State>> {
        if (!step.ok) return step;
        if (step.value.type === 'in') return ok(granted(jar, credentials));
        const { pending } = step.value;
        const token = pending.hidden.token ?? '';
        return ok({
          type: 'challenge',
          challenge: pending.challenge,
          state: {
            version: 1,
            kind: pending.kind,
            step: stepNumber,
            action: `${pending.action.pathname}${pending.action.search}`,
            field: pending.field,
            token: Redacted.make(token),
            cookies: serializeCookieJar(jar),
            sealedCredentials: sealCredentials(config.stateKey, credentials),
          },
        });
      }

      /** Logs in again with the grant (its jar keeps the device cookie); once, however many calls found the session gone. */
      function relogin(grant: Grant, session: SessionEntry, generation: number): Promise<Outcome<void>> {
        if (session.generation !== generation) return Promise.resolve(ok(undefined));
        session.relogin ??= (async (): Promise<Outcome<void>> => {
          try {
            const step = await site.logIn(session.jar, grant.login, grant.password);
            if (!step.ok) return step;
            if (step.value.type === 'challenge') {
              const { challenge } = step.value.pending;
              return err(ConnectorErrors.challengeRequired({ challenge, message: `logging in again, the bank asked a ${challenge.kind} challenge` }));
            }
            session.generation += 1;
            return ok(undefined);
          } finally {
            session.relogin = undefined;
          }
        })();
        return session.relogin;
      }

      /** GETs a page in the grant's session, logging in again once when the bank has ended it. */
      async function sessionGet(grant: Grant, url: URL): Promise<Outcome<BankPage>> {
        const session = sessions.entry(grant);
        for (let attempt = 0; ; attempt += 1) {
          const generation = session.generation;
          const res = await site.get(session.jar, url);
          if (!res.ok || !isLoggedOutPage(res.value)) return res;
          if (attempt > 0) return err(ConnectorErrors.temporary({ code: 'session_lost', message: 'the bank ended the session right after a new login' }));
          const again = await relogin(grant, session, generation);
          if (!again.ok) return again;
        }
      }

      async function accountListPage(grant: Grant): Promise<Outcome<BankPage>> {
        const res = await sessionGet(grant, site.url('/accounts'));
        if (!res.ok) return res;
        const page = res.value;
        return page.marker === 'accounts' && page.complete ? res : err(errorOfPage(page, 'account list') ?? unrecognised(page, 'account list'));
      }

      async function* accounts(grant: Grant): PageStream<Account> {
        const page = await accountListPage(grant);
        if (!page.ok) return yield page;
        const list = parseAccountList(page.value, currency);
        if (isConnectorError(list)) return yield err(list);
        if (list.listed > 0 && list.readable.length === 0) {
          return yield err(ConnectorErrors.unsupported({ message: `the bank lists ${list.listed} account(s) but shows none of them online` }));
        }
        yield ok(list.readable);
      }

      async function* transactions(grant: Grant, bankAccountId: string, window: FetchWindow): PageStream<Transaction> {
        const build = transactionBuilder(currency);
        const path = `/accounts/${encodeURIComponent(bankAccountId)}`;
        // The same from/to on every page: only the page number moves (a[rel=next] gives it).
        for (let pageNumber = 1; ; ) {
          const res = await sessionGet(grant, site.url(path, { from: window.from, to: window.to, page: pageNumber }));
          if (!res.ok) return yield res;
          const page = res.value;
          if (page.marker === 'not-found' && page.complete) {
            return yield err(ConnectorErrors.missingAccount({ bankAccountId, message: `the bank no longer shows account ${bankAccountId}` }));
          }
          if (page.marker !== 'account-detail') return yield err(errorOfPage(page, 'statement') ?? unrecognised(page, 'statement'));
          const parsed = parseStatementPage(page, bankAccountId, window, currency);
          if (isConnectorError(parsed)) return yield err(parsed);
          yield ok(parsed.rows.map(build));
          if (parsed.nextPage === undefined) return;
          if (parsed.nextPage <= pageNumber) {
            return yield err(ConnectorErrors.permanent({ code: 'unexpected_page', message: `statement of ${bankAccountId}: the next-page link goes back to page ${parsed.nextPage}` }));
          }
          pageNumber = parsed.nextPage;
        }
      }

      return {
        auth: {
          // Reads the bank's login page (a fresh jar: nothing is kept) and asks for the fields its form has.
          async begin() {
            const read = await site.loginForm(new CookieJar());
            if (!read.ok) return read;
            const fields = credentialFieldsOf(read.value.inputs);
            return fields.ok ? ok({ type: 'form', fields: fields.value }) : err(fields.error);
          },
          async complete(input) {
            if (input.type !== 'credentials') return err(ConnectorErrors.unsupported({ message: 'this bank is linked with credentials' }));
            const credentials = credentialsOf(input.credentials);
            if (!credentials.ok) return credentials;
            const jar = new CookieJar();
            return nextStep(await site.logIn(jar, credentials.value.login, credentials.value.password), jar, credentials.value, 1);
          },
          async answerChallenge({ state, answer }) {
            const credentials = unsealCredentials(config.stateKey, state.sealedCredentials);
            if (credentials === undefined) {
              return err(ConnectorErrors.permanent({ code: 'challenge_state_unreadable', message: 'the challenge state was sealed with another stateKey, or altered' }));
            }
            let jar: CookieJar;
            try {
              jar = deserializeCookieJar(state.cookies);
            } catch {
              return err(ConnectorErrors.permanent({ code: 'challenge_state_unreadable', message: 'the challenge state holds no readable cookie jar' }));
            }
            const step = await site.answer(jar, { action: site.url(state.action), field: state.field, hidden: { token: state.token }, kind: state.kind }, answer);
            return nextStep(step, jar, credentials, state.step + 1);
          },
          // Nothing to rotate: the refreshed grant is the same credentials with the session and
          // device cookies of a session proven alive now (re-logging in when the old one ended).
          async refresh(grant) {
            const session = sessions.entry(grant);
            const page = await accountListPage(grant);
            if (!page.ok) return page;
            const renewed: Grant = { ...grant, cookies: serializeCookieJar(session.jar) };
            sessions.alias(renewed, session);
            return ok({ type: 'granted', grant: renewed });
          },
          // Ends the bank session and forgets the cookies (the device cookie with them). The
          // password cannot be revoked at the bank: the app deletes the grant.
          async revoke(grant) {
            const session = sessions.entry(grant);
            const out = await site.logOut(session.jar);
            session.jar.removeAllCookiesSync();
            sessions.forget(grant);
            return out;
          },
        },
        accounts,
        transactions: (grant, request) => transactions(grant, request.bankAccountId, request.window),
      };
    },
  });
}

/** The default connector of the family: id `web-netbank`; the app adds its bank's host (see the README). */
export const webNetbank: Connector = defineWebNetbankConnector();
