/**
 * The table from the bank's refusals to the SDK's errors, status by status and code by code
 * (the spec names the statuses; the codes are the ones Polish banks and the sandbox send).
 */
import { errorOutcome } from '@kinko/connector-sdk';
import { MAX_CONTENT_CHARS, aisError, callbackError, consentCallError, tokenError } from '../src/errors';
import type { BankAnswer } from '../src/transport';

const answer = (status: number, body: unknown): BankAnswer => {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status, headers: {}, text, json };
};
const bank = (status: number, code: string) => answer(status, { responseHeader: { isCallback: false }, code, message: `${code} (test)` });
const where = { operation: 'getTransactionsDone', accountNumber: 'PL61109010140000071219812874', secrets: ['secret-access-token'] };

describe('AIS calls', () => {
  it.each([
    [401, 'CONSENT_EXPIRED', 'ConsentExpired'],
    [401, 'CONSENT_REVOKED', 'ConsentRevoked'],
    [401, 'TOKEN_INVALID', 'CredentialsInvalid'],
    [401, 'TOKEN_EXPIRED', 'CredentialsInvalid'],
    [401, 'SOMETHING_ELSE', 'CredentialsInvalid'],
    [422, 'INVALID_SIGNATURE', 'SignatureError'],
    [400, 'MISSING_SIGNATURE', 'SignatureError'],
    [403, 'ACCOUNT_UNAVAILABLE', 'MissingAccount'],
    [403, 'SCA_REQUIRED', 'BankResponse'],
    [403, 'HISTORY_LIMIT_EXCEEDED', 'BankResponse'],
    [403, 'PRIVILEGE_NOT_GRANTED', 'BankResponse'],
    [403, 'USAGE_LIMIT_EXCEEDED', 'BankResponse'],
    [400, 'INVALID_PAGE_ID', 'BankResponse'],
    [400, 'VALIDATION_ERROR', 'BankResponse'],
    [404, 'NOT_FOUND', 'BankResponse'],
    [501, 'NOT_IMPLEMENTED', 'Unsupported'],
  ])('%i %s → %s', (status, code, tag) => {
    expect(aisError(bank(status, code), where)._tag).toBe(tag);
  });

  it('BankResponse keeps the status and the body text, secrets replaced and clipped', () => {
    const e = aisError(answer(403, { code: 'SCA_REQUIRED', message: 'token secret-access-token needs SCA' }), where);
    expect(e).toMatchObject({ _tag: 'BankResponse', status: 403 });
    expect(e._tag === 'BankResponse' && JSON.parse(e.content)).toEqual({ code: 'SCA_REQUIRED', message: 'token <redacted> needs SCA' });
    const html = aisError(answer(404, `<html>${'x'.repeat(5_000)}</html>`), where);
    expect(html._tag === 'BankResponse' && html.content.length).toBeLessThanOrEqual(MAX_CONTENT_CHARS + 1);
    expect(errorOutcome(e)).toMatchObject({ scope: 'account', syncErrorType: 'aspspResponse' });
  });

  it('MissingAccount names the account; without one (getAccounts) a 403 stays a BankResponse', () => {
    expect(aisError(bank(403, 'ACCOUNT_UNAVAILABLE'), where)).toMatchObject({ _tag: 'MissingAccount', bankAccountId: where.accountNumber });
    expect(aisError(bank(403, 'ACCOUNT_UNAVAILABLE'), { operation: 'getAccounts', secrets: [] })._tag).toBe('BankResponse');
  });
});

describe('token, authorize and deleteConsent', () => {
  it.each([
    [400, 'INVALID_GRANT', 'ConsentExpired'],
    [401, 'TOKEN_INVALID', 'CredentialsInvalid'],
    [401, 'CONSENT_EXPIRED', 'ConsentExpired'],
    [401, 'CONSENT_REVOKED', 'ConsentRevoked'],
    [422, 'INVALID_SIGNATURE', 'SignatureError'],
    [400, 'VALIDATION_ERROR', 'PermanentError'],
    [501, 'NOT_IMPLEMENTED', 'Unsupported'],
  ])('token %i %s → %s', (status, code, tag) => {
    expect(tokenError(bank(status, code), 'refresh_token')._tag).toBe(tag);
  });

  it('a refresh the bank refuses with invalid_grant is a consent to authorise again; an authorization code it refuses stays a failed login', () => {
    expect(tokenError(answer(400, { error: 'invalid_grant' }), 'refresh_token')).toMatchObject({ _tag: 'ConsentExpired', httpStatus: 400, content: '{"error":"invalid_grant"}' });
    expect(tokenError(answer(400, { error: 'invalid_grant' }), 'authorization_code')._tag).toBe('CredentialsInvalid');
  });

  it('a consent the bank ended keeps its answer (status, body with secrets replaced) for the account’s syncError', () => {
    const expired = aisError(answer(401, { code: 'CONSENT_EXPIRED', message: 'token secret-access-token: consent expired' }), where);
    expect(expired).toMatchObject({ _tag: 'ConsentExpired', httpStatus: 401 });
    expect(expired._tag === 'ConsentExpired' && JSON.parse(expired.content ?? '')).toEqual({ code: 'CONSENT_EXPIRED', message: 'token <redacted>: consent expired' });
    expect(errorOutcome(expired)).toEqual({ scope: 'consent', consentStatus: 'expired' });
    expect(tokenError(bank(401, 'CONSENT_REVOKED'), 'refresh_token')).toMatchObject({ _tag: 'ConsentRevoked', httpStatus: 401, content: expect.stringContaining('CONSENT_REVOKED') });
  });

  it('authorize refusals are permanent with the bank code (a configuration problem), signatures aside', () => {
    expect(consentCallError(bank(400, 'INVALID_REDIRECT_URI'), 'authorize')).toMatchObject({ _tag: 'PermanentError', code: 'INVALID_REDIRECT_URI', httpStatus: 400 });
    expect(consentCallError(bank(422, 'CONSENT_ID_IN_USE'), 'authorize')).toMatchObject({ _tag: 'PermanentError', code: 'CONSENT_ID_IN_USE' });
    expect(consentCallError(bank(400, 'MISSING_SIGNATURE'), 'authorize')._tag).toBe('SignatureError');
    expect(consentCallError(bank(400, 'VALIDATION_ERROR'), 'deleteConsent')).toMatchObject({ _tag: 'BankResponse', status: 400 });
  });

  it('OAuth errors of the redirect back', () => {
    expect(callbackError('access_denied')._tag).toBe('CredentialsInvalid');
    expect(callbackError('temporarily_unavailable')._tag).toBe('ServiceUnavailable');
    expect(callbackError('server_error')._tag).toBe('TemporaryError');
    expect(callbackError('<script>')).toMatchObject({ _tag: 'PermanentError', message: 'the bank redirected back with error=_script_' });
  });
});
