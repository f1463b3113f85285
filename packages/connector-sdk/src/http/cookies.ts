import { Redacted } from 'effect';
import { CookieJar } from 'tough-cookie';

export { CookieJar };

/**
 * A cookie jar as a secret string, for a connector's grant or challenge state (session
 * cookies are credentials: they live in `Redacted` and are stored only encrypted).
 */
export function serializeCookieJar(jar: CookieJar): Redacted.Redacted<string> {
  // The default in-memory store is synchronous, so serializeSync always answers.
  const serialized = jar.serializeSync();
  if (serialized === undefined) throw new Error('cookie jar with an asynchronous store cannot be serialized synchronously');
  return Redacted.make(JSON.stringify(serialized));
}

/** The inverse of {@link serializeCookieJar}. */
export const deserializeCookieJar = (serialized: Redacted.Redacted<string>): CookieJar =>
  CookieJar.deserializeSync(Redacted.value(serialized));
