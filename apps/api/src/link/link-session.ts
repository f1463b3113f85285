import { createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '@kinko/connector-sdk';
import type { Language } from '@kinko/domain';
import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { decodeJwt } from 'jose';
import { DataSource, LessThan, MoreThan } from 'typeorm';
import { AuditLog } from '../audit/audit-log.service';
import { UserTokensService } from '../auth/user-tokens.service';
import { InjectClock } from '../common/clock';
import { UnauthorizedError } from '../common/errors';
import { InjectSettings } from '../config/config.module';
import type { Settings } from '../config/settings';
import type { UserScope } from '../database/scoped-data';
import { LANGUAGES, negotiateLanguage } from '../http/language';
import type { MasterKeyring } from '../secrets/master-keyring';
import { MASTER_KEYRING } from '../secrets/secrets.service';
import { newId } from '../database/ids';
import { User } from '../users/user.entity';
import { isRegisteredReturnUrl } from '../tenants/link-settings';
import { Tenant } from '../tenants/tenant.entity';
import { LinkPageSession } from './link-page-session.entity';

/** The HttpOnly cookie holding the Link session: a random secret of its own, never the URL token. */
export const LINK_SESSION_COOKIE = 'kinko_link';
/** The cookie remembering the language the user chose. */
export const LINK_LANGUAGE_COOKIE = 'kinko_lang';
/** Path every Link cookie is limited to. */
export const LINK_COOKIE_PATH = '/link';

/** A Link session: whose pages these are, and the form token that proves a POST came from them. */
export interface LinkSession extends UserScope {
  /** Id of the Link page session (a `link_page_sessions` row). */
  readonly sessionId: string;
  /** The hidden `_csrf` value of every form of this session (its own: another session's does not pass). */
  readonly csrf: string;
  /** Where the browser goes at the end of the flow (a registered return URL the tenant passed), or null. */
  readonly returnUri: string | null;
  /** The tenant's `state`, passed back unchanged. */
  readonly returnState: string | null;
}

/** What the tenant asked the flow to return to (`redirectUri`, `state` of the Link URL). */
export interface ReturnRequest {
  readonly redirectUri: string;
  readonly state: string | null;
}

/** Why a Link session could not be established from a URL token. */
export type ExchangeRefusal = 'invalid' | 'used' | 'return-url-not-registered';

const RENEW_AFTER_MS = 60_000;
/** Ended sessions are kept this long after the token they were exchanged for expired, then removed. */
const ENDED_RETENTION_MS = 86_400_000;

const sha256url = (text: string): string => createHash('sha256').update(text, 'utf8').digest('base64url');

/** Parses a Cookie header. */
export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i <= 0) continue;
    const name = part.slice(0, i).trim();
    const raw = part.slice(i + 1).trim();
    try {
      if (!out.has(name)) out.set(name, decodeURIComponent(raw));
    } catch {
      // An undecodable cookie is ignored, as a browser would have no use for it either.
    }
  }
  return out;
}

/**
 * The Link pages' session. The app gives the user a short-lived user token in the Link
 * URL (`/link/connect?token=…`); the first visit exchanges it — once: a token already
 * exchanged is refused, and is no longer accepted as a bearer token either — for a random
 * session secret in an HttpOnly, SameSite=Lax cookie limited to `/link`, and redirects to a
 * URL without it, so nothing secret stays in the address bar or history. The session lives
 * server-side (`link_page_sessions`, the secret stored only as its SHA-256) and expires after
 * KINKO_USER_TOKEN_TTL_SECONDS without activity. Forms carry the session's own CSRF token
 * (HMAC of the session id under a key derived from the master key).
 */
@Injectable()
export class LinkSessions {
  private readonly csrfKey: Buffer;

  constructor(
    private readonly tokens: UserTokensService,
    private readonly dataSource: DataSource,
    private readonly audit: AuditLog,
    @Inject(MASTER_KEYRING) keyring: MasterKeyring,
    @InjectClock() private readonly clock: Clock,
    @InjectSettings() private readonly settings: Settings,
  ) {
    this.csrfKey = Buffer.from(hkdfSync('sha256', keyring.current.key, Buffer.from('kinko'), Buffer.from('link-csrf/v1'), 32));
  }

  /**
   * Exchanges a URL token for a session cookie (set on `reply`). Refused when the token is
   * invalid or expired, or was exchanged before (single use; recorded in the audit log).
   */
  async exchange(token: string, request: FastifyRequest, reply: FastifyReply, returnTo?: ReturnRequest): Promise<LinkSession | ExchangeRefusal> {
    let verified;
    try {
      verified = await this.tokens.verify(token, this.clock.now());
    } catch (e) {
      if (e instanceof UnauthorizedError) return 'invalid';
      throw e;
    }
    if (!(await this.userExists(verified))) return 'invalid';
    const scope = { tenantId: verified.tenantId, userId: verified.userId };
    // A redirectUri must be exactly one the tenant registered (checked before the token is spent).
    if (returnTo) {
      const tenant = await this.dataSource.getRepository(Tenant).findOne({ where: { id: scope.tenantId } });
      if (!tenant || !isRegisteredReturnUrl(tenant, returnTo.redirectUri)) return 'return-url-not-registered';
    }
    const now = this.clock.now();
    const repository = this.dataSource.getRepository(LinkPageSession);
    // The user's sessions that ended long ago, and whose tokens expired, are of no use any more.
    await repository.delete({ tenantId: scope.tenantId, userId: scope.userId, expiresAt: LessThan(now), tokenExpiresAt: LessThan(new Date(now.getTime() - ENDED_RETENTION_MS)) });
    const secret = randomBytes(32).toString('base64url');
    const id = newId(now.getTime());
    const expiresAt = new Date(now.getTime() + this.settings.userTokenTtlSeconds * 1000);
    const tokenExpiresAt = new Date(((decodeJwt(token).exp as number | undefined) ?? now.getTime() / 1000) * 1000);
    // One session per token id, across processes: the unique token id decides which first visit wins.
    const inserted = (await this.dataSource.query(
      `INSERT INTO link_page_sessions (id, tenant_id, user_id, secret_hash, exchanged_token_id, token_expires_at, expires_at, renewed_at, return_uri, return_state)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (exchanged_token_id) DO NOTHING RETURNING id`,
      [id, scope.tenantId, scope.userId, sha256url(secret), verified.tokenId, tokenExpiresAt, expiresAt, now, returnTo?.redirectUri ?? null, returnTo?.state ?? null],
    )) as unknown[];
    if (inserted.length === 0) return 'used';
    await this.audit.record({ tenantId: scope.tenantId, actor: `user:${scope.userId}`, action: 'link.session.start', target: `user:${scope.userId}`, details: { linkPageSessionId: id } });
    this.appendCookie(reply, this.cookie(LINK_SESSION_COOKIE, secret, this.settings.userTokenTtlSeconds, request, true));
    return { ...scope, sessionId: id, csrf: this.csrfOf(id), returnUri: returnTo?.redirectUri ?? null, returnState: returnTo?.state ?? null };
  }

  /**
   * The session of a request (its cookie's secret), moved on when it was last renewed more
   * than a minute ago; undefined when there is none or it expired. A user token in the
   * cookie names no session.
   */
  async current(request: FastifyRequest, reply: FastifyReply): Promise<LinkSession | undefined> {
    const secret = parseCookies(request.headers.cookie).get(LINK_SESSION_COOKIE);
    if (!secret) return undefined;
    const now = this.clock.now();
    const repository = this.dataSource.getRepository(LinkPageSession);
    // A deleted user's sessions went with it (foreign key, cascade).
    const row = await repository.findOne({ where: { secretHash: sha256url(secret), expiresAt: MoreThan(now) } });
    if (!row) return undefined;
    if (now.getTime() - row.renewedAt.getTime() > RENEW_AFTER_MS) {
      const ttl = this.settings.userTokenTtlSeconds;
      await repository.update({ id: row.id }, { expiresAt: new Date(now.getTime() + ttl * 1000), renewedAt: now });
      this.appendCookie(reply, this.cookie(LINK_SESSION_COOKIE, secret, ttl, request, true));
    }
    return { tenantId: row.tenantId, userId: row.userId, sessionId: row.id, csrf: this.csrfOf(row.id), returnUri: row.returnUri, returnState: row.returnState };
  }

  /** Whether a form's `_csrf` value belongs to the session (constant-time). */
  csrfValid(session: LinkSession, presented: unknown): boolean {
    if (typeof presented !== 'string') return false;
    const a = Buffer.from(presented);
    const b = Buffer.from(session.csrf);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  /** Ends the session: it expires now (its row stays, remembering the exchanged token) and the cookie is cleared. */
  async clear(session: LinkSession, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    await this.dataSource.getRepository(LinkPageSession).update({ id: session.sessionId }, { expiresAt: this.clock.now() });
    this.appendCookie(reply, this.cookie(LINK_SESSION_COOKIE, '', 0, request, true));
  }

  /**
   * The language of a request: `?lang=` (remembered in a cookie), else the remembered one,
   * else Accept-Language, else Japanese (the seed's language).
   */
  language(request: FastifyRequest, reply: FastifyReply): Language {
    const asked = (request.query as Record<string, unknown> | undefined)?.lang;
    if (typeof asked === 'string' && (LANGUAGES as readonly string[]).includes(asked)) {
      this.appendCookie(reply, this.cookie(LINK_LANGUAGE_COOKIE, asked, 365 * 86_400, request, false));
      return asked as Language;
    }
    const remembered = parseCookies(request.headers.cookie).get(LINK_LANGUAGE_COOKIE);
    if (remembered && (LANGUAGES as readonly string[]).includes(remembered)) return remembered as Language;
    const header = request.headers['accept-language'];
    return negotiateLanguage(Array.isArray(header) ? header.join(',') : header) ?? 'ja';
  }

  // Bound to the session, not to the user: a form of one session does not pass in another.
  private csrfOf(sessionId: string): string {
    return createHmac('sha256', this.csrfKey).update(`link-page-session\0${sessionId}`).digest('base64url');
  }

  private userExists(scope: UserScope): Promise<boolean> {
    return this.dataSource.getRepository(User).exists({ where: { id: scope.userId, tenantId: scope.tenantId } });
  }

  private secure(request: FastifyRequest): boolean {
    return request.protocol === 'https' || (this.settings.publicUrl?.startsWith('https:') ?? false);
  }

  private cookie(name: string, value: string, maxAgeSeconds: number, request: FastifyRequest, httpOnly: boolean): string {
    return [
      `${name}=${encodeURIComponent(value)}`,
      `Path=${LINK_COOKIE_PATH}`,
      `Max-Age=${maxAgeSeconds}`,
      'SameSite=Lax',
      ...(httpOnly ? ['HttpOnly'] : []),
      ...(this.secure(request) ? ['Secure'] : []),
    ].join('; ');
  }

  private appendCookie(reply: FastifyReply, cookie: string): void {
    const existing = reply.getHeader('set-cookie');
    const list = existing === undefined ? [] : Array.isArray(existing) ? existing.map(String) : [String(existing)];
    void reply.header('set-cookie', [...list.filter((c) => !c.startsWith(`${cookie.split('=')[0]}=`)), cookie]);
  }
}
