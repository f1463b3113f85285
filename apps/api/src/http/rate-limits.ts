import type {} from '@fastify/rate-limit'; // its `createRateLimit` on FastifyInstance
import { Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '../auth/principal';
import { RateLimitedError } from '../common/errors';
import { InjectSettings } from '../config/config.module';
import type { Settings } from '../config/settings';

const MINUTE_MS = 60_000;

type Limiter = ReturnType<FastifyInstance['createRateLimit']>;
type Outcome = Awaited<ReturnType<Limiter>>;

/** Answer headers of the rate limit that applied (IETF draft `RateLimit-*` fields). */
export const RATE_LIMIT_HEADERS = { limit: 'ratelimit-limit', remaining: 'ratelimit-remaining', reset: 'ratelimit-reset', retryAfter: 'retry-after' } as const;

/**
 * Rate limits (issue 15 §4), counted by `@fastify/rate-limit` (its in-memory store: each
 * process counts on its own, so N processes allow up to N × the limit — documented):
 * requests per tenant (API key) and per user (token, or an API key acting as the user), and
 * failed authentications per source address — past that limit the address is refused (429)
 * on every authenticated route until the window ends, so guessing keys is slow.
 * Called by the auth guard, which alone knows who is calling.
 */
@Injectable()
export class RateLimits {
  private limiters?: { readonly tenant: Limiter; readonly user: Limiter; readonly authFailures: Limiter };

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @InjectSettings() private readonly settings: Settings,
  ) {}

  /** Refuses (429) an address that failed to authenticate too often in the current window. */
  async refuseBlockedAddress(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const outcome = await this.get().authFailures(request, { increment: false });
    // Read without counting: the failures so far have used up the limit.
    if (!outcome.isAllowed && outcome.remaining <= 0) this.refuse(outcome, reply, 'Too many failed authentications from this address; wait before trying again.');
  }

  /** Counts a failed authentication of the request's source address. */
  async countFailedAuthentication(request: FastifyRequest): Promise<void> {
    await this.get().authFailures(request);
  }

  /** Counts an authenticated request against its tenant's or user's limit: headers, or a 429. */
  async consume(request: FastifyRequest, reply: FastifyReply, principal: Principal): Promise<void> {
    const limiters = this.get();
    const outcome = await (principal.kind === 'tenant' ? limiters.tenant : limiters.user)(request);
    if (outcome.isAllowed) return; // not limited (cannot happen: no allow list)
    void reply
      .header(RATE_LIMIT_HEADERS.limit, String(outcome.max))
      .header(RATE_LIMIT_HEADERS.remaining, String(Math.max(0, outcome.remaining)))
      .header(RATE_LIMIT_HEADERS.reset, String(outcome.ttlInSeconds));
    if (outcome.isExceeded) {
      this.refuse(outcome, reply, principal.kind === 'tenant' ? "The tenant's request limit for this minute is spent." : "The user's request limit for this minute is spent.");
    }
  }

  private refuse(outcome: Extract<Outcome, { isAllowed: false }>, reply: FastifyReply, detail: string): never {
    const retryAfter = Math.max(1, outcome.ttlInSeconds);
    void reply.header(RATE_LIMIT_HEADERS.limit, String(outcome.max)).header(RATE_LIMIT_HEADERS.remaining, '0').header(RATE_LIMIT_HEADERS.reset, String(retryAfter));
    throw new RateLimitedError(detail, retryAfter);
  }

  private get(): NonNullable<RateLimits['limiters']> {
    if (this.limiters) return this.limiters;
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    const { tenantPerMinute, userPerMinute, authFailuresPerMinute } = this.settings.rateLimits;
    const principalOf = (request: FastifyRequest): Principal => {
      if (!request.kinkoPrincipal) throw new Error('rate limit of a request without a principal');
      return request.kinkoPrincipal;
    };
    this.limiters = {
      tenant: fastify.createRateLimit({ max: tenantPerMinute, timeWindow: MINUTE_MS, keyGenerator: (r) => `tenant:${principalOf(r).tenantId}` }),
      user: fastify.createRateLimit({
        max: userPerMinute,
        timeWindow: MINUTE_MS,
        keyGenerator: (r) => {
          const p = principalOf(r);
          return `user:${p.tenantId}:${p.kind === 'user' ? p.userId : ''}`;
        },
      }),
      // The default key: the source address (an IPv6 address by its /64, as the library does).
      authFailures: fastify.createRateLimit({ max: authFailuresPerMinute, timeWindow: MINUTE_MS }),
    };
    return this.limiters;
  }
}
