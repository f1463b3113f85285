import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { Clock } from '@kinko/connector-sdk';
import type { Language } from '@kinko/domain';
import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { decodeJwt } from 'jose';
import { DataSource } from 'typeorm';
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
import { User } from '../users/user.entity';

/** The HttpOnly cookie holding the Link session (a user token, re-minted as the user goes). */
export const LINK_SESSION_COOKIE = 'kinko_link';
/** The cookie remembering the language the user chose. */
export const LINK_LANGUAGE_COOKIE = 'kinko_lang';
/** Path every Link cookie is limited to. */
export const LINK_COOKIE_PATH = '/link';

/** A Link session: whose pages these are, and the form token that proves a POST came from them. */
export interface LinkSession extends UserScope {
  /** Id of the token in the cookie. */
  readonly tokenId: string;
  /** The hidden `_csrf` value of every form of this session. */
  readonly csrf: string;
}

/** Why a Link session could not be established from a URL token. */
export type ExchangeRefusal = 'invalid' | 'used';

const RENEW_AFTER_MS = 60_000;

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
 * exchanged is refused — for an HttpOnly, SameSite=Lax cookie limited to `/link`, and
 * redirects to a URL without it, so nothing secret stays in the address bar or history.
 * The cookie holds a fresh user token, re-minted while the user is active. Forms carry a
 * CSRF token (HMAC of the session's user under a key derived from the master key).
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
  async exchange(token: string, request: FastifyRequest, reply: FastifyReply): Promise<LinkSession | ExchangeRefusal> {
    let verified;
    try {
      verified = await this.tokens.verify(token, this.clock.now());
    } catch (e) {
      if (e instanceof UnauthorizedError) return 'invalid';
      throw e;
    }
    if (!(await this.userExists(verified))) return 'invalid';
    const scope = { tenantId: verified.tenantId, userId: verified.userId };
    const fresh = await this.dataSource.transaction(async (manager) => {
      // One exchange per token id, across processes: the lock orders concurrent first visits.
      await manager.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`link-exchange:${verified.tokenId}`]);
      // A user token lives at most a day (KINKO_USER_TOKEN_TTL_SECONDS ≤ 86400): older exchanges cannot matter.
      const used = (await manager.query(
        `SELECT 1 FROM audit_log WHERE action = 'link.session.start' AND occurred_at > now() - interval '2 days' AND details->>'exchangedJti' = $1 LIMIT 1`,
        [verified.tokenId],
      )) as unknown[];
      if (used.length > 0) return false;
      await this.audit.record(
        { tenantId: scope.tenantId, actor: `user:${scope.userId}`, action: 'link.session.start', target: `user:${scope.userId}`, details: { exchangedJti: verified.tokenId } },
        manager,
      );
      return true;
    });
    if (!fresh) return 'used';
    return this.issue(scope, request, reply);
  }

  /** The session of a request (its cookie), renewed when it is more than a minute old; undefined when there is none or it expired. */
  async current(request: FastifyRequest, reply: FastifyReply): Promise<LinkSession | undefined> {
    const token = parseCookies(request.headers.cookie).get(LINK_SESSION_COOKIE);
    if (!token) return undefined;
    let verified;
    try {
      verified = await this.tokens.verify(token, this.clock.now());
    } catch (e) {
      if (e instanceof UnauthorizedError) return undefined;
      throw e;
    }
    if (!(await this.userExists(verified))) return undefined;
    const scope = { tenantId: verified.tenantId, userId: verified.userId };
    const issuedAt = (decodeJwt(token).iat ?? 0) * 1000;
    if (this.clock.now().getTime() - issuedAt > RENEW_AFTER_MS) return this.issue(scope, request, reply);
    return { ...scope, tokenId: verified.tokenId, csrf: this.csrfOf(scope) };
  }

  /** Whether a form's `_csrf` value belongs to the session (constant-time). */
  csrfValid(session: LinkSession, presented: unknown): boolean {
    if (typeof presented !== 'string') return false;
    const a = Buffer.from(presented);
    const b = Buffer.from(session.csrf);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  /** Ends the session (the cookie is cleared). */
  clear(request: FastifyRequest, reply: FastifyReply): void {
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

  private async issue(scope: UserScope, request: FastifyRequest, reply: FastifyReply): Promise<LinkSession> {
    const ttl = this.settings.userTokenTtlSeconds;
    const minted = await this.tokens.mint(scope, ttl, this.clock.now());
    this.appendCookie(reply, this.cookie(LINK_SESSION_COOKIE, minted.token, ttl, request, true));
    const tokenId = decodeJwt(minted.token).jti as string;
    return { ...scope, tokenId, csrf: this.csrfOf(scope) };
  }

  // Bound to the user, not to the cookie's token: the cookie is re-minted while a form is being filled in.
  private csrfOf(scope: UserScope): string {
    return createHmac('sha256', this.csrfKey).update(`${scope.tenantId}\0${scope.userId}`).digest('base64url');
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
