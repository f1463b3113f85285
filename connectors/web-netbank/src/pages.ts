/**
 * Reading the net bank's pages. Every page names itself with `data-page` on <body>; forms,
 * tables and cells carry stable `name` / `data-*` markers. A page is recognised by those
 * markers only — never by wording or layout — and anything unrecognised stops the work
 * (PermanentError) rather than being guessed at.
 */
import type { CheerioAPI } from 'cheerio/slim';
import { load } from 'cheerio/slim';
import { ConnectorErrors, type ConnectorError, type HttpResponse } from '@kinko/connector-sdk';
import type { ChallengeKind } from '@kinko/domain';

/** A page as the connector received it. */
export interface BankPage {
  readonly status: number;
  /** The `data-page` marker, or undefined when the page has none (a redesign, an error page of a proxy…). */
  readonly marker: string | undefined;
  /** False when the document ends before `</html>` (a body cut short on the way). */
  readonly complete: boolean;
  readonly $: CheerioAPI;
  /** Response headers (lower-case names). */
  readonly headers: Readonly<Record<string, string>>;
}

/** Parses an HTML response. */
export function readPage(res: HttpResponse): BankPage {
  const html = res.text();
  const $ = load(html);
  const marker = $('body').attr('data-page');
  return { status: res.status, marker: marker === undefined || marker === '' ? undefined : marker, complete: /<\/html>\s*$/i.test(html), $, headers: res.headers };
}

// The challenge kinds; each is also the marker of the page that asks it.
const challengeKinds: readonly ChallengeKind[] = ['security', 'otp', 'captcha', 'puzzle'];

/** True when the marker is a challenge page. */
export const isChallengeMarker = (marker: string | undefined): marker is ChallengeKind => challengeKinds.includes(marker as ChallengeKind);

/** Pages saying the session is gone: the bank wants a new login. */
export const isLoggedOutPage = (page: BankPage): boolean =>
  page.complete && (page.marker === 'session-expired' || page.marker === 'login' || page.marker === 'logout');

/** A page cut short or without a marker: unrecognised, so nothing on it is trusted. */
export function unrecognised(page: BankPage, where: string): ConnectorError {
  if (!page.complete) return ConnectorErrors.permanent({ code: 'incomplete_page', httpStatus: page.status, message: `${where}: the page ends before </html>` });
  return ConnectorErrors.permanent({
    code: 'unrecognised_page',
    httpStatus: page.status,
    message: `${where}: unrecognised page${page.marker === undefined ? ' (no data-page marker)' : ` "${page.marker}"`}`,
  });
}

/**
 * The error a page stands for when it is not the page the connector was heading for, or
 * undefined when the caller must decide (challenge pages, logged-out pages, not-found).
 */
export function errorOfPage(page: BankPage, where: string): ConnectorError | undefined {
  if (!page.complete) return unrecognised(page, where);
  const $ = page.$;
  const body = $('body');
  switch (page.marker) {
    case 'login-error': {
      const failed = body.attr('data-error');
      const late = body.attr('data-timeout') === 'true';
      if (failed === 'credentials') return ConnectorErrors.credentialsInvalid({ message: 'the bank rejected the login id or password' });
      if (isChallengeMarker(failed)) {
        return late
          ? ConnectorErrors.challengeTimedOut({ challengeKind: failed, message: `the ${failed} challenge was answered too late` })
          : ConnectorErrors.challengeAnswerInvalid({ challengeKind: failed, message: `the bank rejected the ${failed} answer` });
      }
      return unrecognised(page, where);
    }
    case 'terms':
      return ConnectorErrors.interventionRequired({ message: 'the bank asks the user to accept new terms on its own site' });
    case 'maintenance': {
      const retryAfterMs = retryAfterOf(page.headers['retry-after']);
      return ConnectorErrors.serviceUnavailable({ message: 'the bank is in maintenance', ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
    }
    case 'double-login':
      return ConnectorErrors.sessionConflict({ message: 'the bank reports a double login (another session is open)' });
    case 'locked-temporary': {
      const until = body.attr('data-locked-until');
      const valid = until !== undefined && !Number.isNaN(Date.parse(until));
      return ConnectorErrors.lockedTemporary({ message: `the bank locked access for now${valid ? ` (until ${new Date(until).toISOString()})` : ''}` });
    }
    case 'locked-permanent':
      return ConnectorErrors.lockedPermanent({ message: 'the bank locked access until the user contacts it' });
    case 'system-error':
      return ConnectorErrors.temporary({ code: 'bank_system_error', httpStatus: page.status, message: `${where}: the bank answered with its system-error page` });
    case 'account-unavailable':
      return ConnectorErrors.unsupported({ message: 'the bank does not show this account online' });
    case 'input-error':
      return ConnectorErrors.permanent({ code: 'bank_rejected_request', httpStatus: page.status, message: `${where}: the bank rejected the request as malformed` });
    case 'session-expired':
    case 'login':
    case 'logout':
    case 'not-found':
    case 'security':
    case 'otp':
    case 'captcha':
    case 'puzzle':
      return undefined;
    default:
      return unrecognised(page, where);
  }
}

/** Retry-After in seconds (the only form a maintenance page sends) → milliseconds. */
function retryAfterOf(header: string | undefined): number | undefined {
  if (header === undefined || !/^\d+$/.test(header.trim())) return undefined;
  return Number(header.trim()) * 1000;
}

/** A form on a page: where it posts, and its hidden fields (the token among them). */
export interface PageForm {
  /** The action, resolved against the page's origin. */
  readonly action: URL;
  readonly hidden: Readonly<Record<string, string>>;
  /** Name of the first visible text input (the answer of a challenge form). */
  readonly field: string | undefined;
}

/** The form named `name`, or undefined when the page does not have exactly one. */
export function formOf(page: BankPage, name: string, origin: URL): PageForm | undefined {
  const $ = page.$;
  const form = $(`form[name="${name}"]`);
  if (form.length !== 1) return undefined;
  let action: URL;
  try {
    action = new URL(form.attr('action') ?? '', origin);
  } catch {
    return undefined;
  }
  if (action.origin !== origin.origin) return undefined;
  const hidden: Record<string, string> = {};
  form.find('input[type="hidden"][name]').each((_, el) => {
    hidden[$(el).attr('name') ?? ''] = $(el).attr('value') ?? '';
  });
  const field = form
    .find('input[name]')
    .filter((_, el) => ['text', 'password', 'number', 'tel', ''].includes(($(el).attr('type') ?? '').toLowerCase()))
    .first()
    .attr('name');
  return { action, hidden, field };
}
