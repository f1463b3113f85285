import { Schema } from 'effect';
import { JWS_ALGORITHMS } from './signing';

const days = (max: number) => Schema.Number.pipe(Schema.check(Schema.isInt(), Schema.isBetween({ minimum: 1, maximum: max })));

/**
 * The deployment's settings of one PolishAPI bank (what `connector.create({ config })`
 * decodes; secrets may be given as plain strings, they become `Redacted`).
 */
export const PolishApiConfig = Schema.Struct({
  /** The bank's API base URL; the spec's paths (`/v2_1_2.1/...`) go under it. */
  baseUrl: Schema.String,
  /** The TPP's `client_id` at this bank. */
  clientId: Schema.String,
  /** The TPP's private signing key: a JWK (JSON text) or a PEM private key. Never logged. */
  signingKey: Schema.Redacted(Schema.String),
  /** The JWS `kid` the bank knows the key by (default: the JWK's `kid`, else `clientId`). */
  keyId: Schema.optional(Schema.String),
  /** The JWS algorithm (default: the JWK's `alg`, else ES256/384/512 by curve, RS256 for RSA, EdDSA for Ed25519). */
  signingAlgorithm: Schema.optional(Schema.Literals(JWS_ALGORITHMS)),
  /** `requestHeader.tppId` (default `clientId`). */
  tppId: Schema.optional(Schema.String),
  /** The bank's public key (JWK JSON): when set, every successful answer's X-JWS-SIGNATURE must verify. */
  bankSigningKey: Schema.optional(Schema.String),
  /** How long a new consent is asked for (`scopeTimeLimit` = now + this many days; default 90). */
  consentValidityDays: Schema.optional(days(1460)),
  /** `maxAllowedHistoryLong` asked for (default: the manifest's `maxHistoryDays`; never above it). */
  maxHistoryDays: Schema.optional(days(1460)),
  /** `Accept-Language` (default `pl`). */
  language: Schema.optional(Schema.String),
});
/** The deployment's settings of one PolishAPI bank. */
export type PolishApiConfig = typeof PolishApiConfig.Type;

/** Default `consentValidityDays`. */
export const DEFAULT_CONSENT_VALIDITY_DAYS = 90;
