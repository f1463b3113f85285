import { createHash, createHmac, hkdfSync } from 'node:crypto';
import { type CallHandler, type ExecutionContext, Inject, Injectable, type NestInterceptor, SetMetadata, UseInterceptors, applyDecorators } from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants.js';
import { Reflector } from '@nestjs/core';
import { ApiHeader } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type Observable, catchError, from, mergeMap, of, throwError } from 'rxjs';
import type { Principal } from '../auth/principal';
import { IdempotencyKeyReusedError, IdempotencyRequestInProgressError, ValidationFailedError } from '../common/errors';
import { PreparedSql } from '../database/prepared-sql';
import { ApiProblems } from '../http/problem-docs';
import type { MasterKeyring } from '../secrets/master-keyring';
import { MASTER_KEYRING } from '../secrets/secrets.service';

/** The request header naming a creating request, so that a retry returns its first answer. */
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
/** Answer header: this is the stored answer of an earlier request with the same key. */
export const IDEMPOTENT_REPLAYED_HEADER = 'idempotent-replayed';
/** 1–255 printable ASCII characters. */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
/** How long a key keeps its answer. */
export const IDEMPOTENCY_TTL = '24 hours';
/** A request under way for longer than this is taken as lost (its process died): the key is free again. */
export const IDEMPOTENCY_ABANDONED_AFTER = '5 minutes';

/** How a route honours `Idempotency-Key` (see {@link Idempotent}). */
export interface IdempotentOptions {
  /**
   * The body carries secrets (a bank login's details): the stored request hash is an HMAC under
   * a key derived from the master key, not a plain SHA-256 a dictionary could reverse.
   */
  readonly secretBody?: boolean;
  /** The answer's `Location` header, from its body: set on a replayed answer too (the handler does not run then). */
  readonly location?: (body: never) => string;
}

const IDEMPOTENT_OPTIONS = 'kinko:idempotent-options';
/** What the request-hash key of {@link IdempotentOptions.secretBody} is derived for (HKDF info). */
const SECRET_BODY_HASH_INFO = 'kinko idempotency request hash v1';

type Claim = { readonly kind: 'run' } | { readonly kind: 'replay'; readonly body: unknown };

const principalKey = (p: Principal): string => (p.kind === 'tenant' ? `tenant:${p.tenantId}` : `user:${p.tenantId}:${p.userId}`);

/**
 * `Idempotency-Key` on the POSTs that create something, stored in PostgreSQL (so it holds
 * across processes): the first request with a key claims it (INSERT … ON CONFLICT DO
 * NOTHING, one winner) and stores its answer; the same key and request within 24 hours
 * answers that stored answer again; the same key with another request is a 422
 * `idempotency-key-reused`; while the first is still under way a 409
 * `idempotency-request-in-progress`. A request that fails frees its key (a retry runs it again).
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  private lastSweep = 0;

  constructor(
    private readonly sql: PreparedSql,
    private readonly reflector: Reflector,
    @Inject(MASTER_KEYRING) private readonly keyring: MasterKeyring,
  ) {}

  /**
   * The request's hashes: the one stored first, then any an earlier answer may have been stored
   * under (for a secret body: one per known master key, so a rotation keeps retries working).
   */
  private requestHashes(material: string, options: IdempotentOptions): Buffer[] {
    if (!options.secretBody) return [createHash('sha256').update(material).digest()];
    return this.keyring.ids.map((id) => {
      const master = this.keyring.get(id);
      if (!master) throw new Error(`master key ${id} vanished`);
      const key = Buffer.from(hkdfSync('sha256', master.key, Buffer.alloc(0), SECRET_BODY_HASH_INFO, 32));
      return createHmac('sha256', key).update(material).digest();
    });
  }

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const key = request.headers[IDEMPOTENCY_KEY_HEADER];
    if (key === undefined) return next.handle();
    if (typeof key !== 'string' || !IDEMPOTENCY_KEY_PATTERN.test(key)) {
      throw new ValidationFailedError([{ field: 'Idempotency-Key', reason: 'Idempotency-Key must be 1 to 255 printable ASCII characters' }]);
    }
    const principal = request.kinkoPrincipal;
    if (!principal) throw new Error('@Idempotent() on a route without authentication');
    const owner = principalKey(principal);
    const options = this.reflector.get<IdempotentOptions | undefined>(IDEMPOTENT_OPTIONS, context.getHandler()) ?? {};
    const hashes = this.requestHashes(`${request.method} ${request.url}\n${JSON.stringify(request.body ?? null)}`, options);
    await this.sweep();
    const claim = await this.claim(owner, key, hashes);
    if (claim.kind === 'replay') {
      void reply.header(IDEMPOTENT_REPLAYED_HEADER, 'true');
      if (options.location) void reply.header('location', options.location(claim.body as never));
      return of(claim.body);
    }
    const status = this.reflector.get<number | undefined>(HTTP_CODE_METADATA, context.getHandler()) ?? 201;
    return next.handle().pipe(
      mergeMap((body: unknown) => from(this.complete(owner, key, status, body).then(() => body))),
      catchError((error: unknown) => from(this.release(owner, key)).pipe(mergeMap(() => throwError(() => error)))),
    );
  }

  private async claim(owner: string, key: string, hashes: readonly Buffer[]): Promise<Claim> {
    const [hash] = hashes;
    if (!hash) throw new Error('no request hash');
    for (let attempt = 0; attempt < 3; attempt++) {
      await this.sql.rows(
        `DELETE FROM idempotency_keys WHERE principal = $1 AND key = $2
            AND (created_at < now() - interval '${IDEMPOTENCY_TTL}' OR (response_status IS NULL AND created_at < now() - interval '${IDEMPOTENCY_ABANDONED_AFTER}'))`,
        [owner, key],
      );
      const claimed = await this.sql.rows('INSERT INTO idempotency_keys (principal, key, request_hash) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING 1 AS claimed', [owner, key, hash]);
      if (claimed.length > 0) return { kind: 'run' };
      const [row] = await this.sql.rows<{ request_hash: Buffer; response_status: number | null; response_body: unknown }>(
        'SELECT request_hash, response_status, response_body FROM idempotency_keys WHERE principal = $1 AND key = $2',
        [owner, key],
      );
      if (!row) continue; // freed meanwhile (the first request failed): claim again
      if (!hashes.some((h) => row.request_hash.equals(h))) throw new IdempotencyKeyReusedError();
      if (row.response_status === null) throw new IdempotencyRequestInProgressError();
      return { kind: 'replay', body: row.response_body };
    }
    throw new IdempotencyRequestInProgressError();
  }

  private async complete(owner: string, key: string, status: number, body: unknown): Promise<void> {
    await this.sql.rows('UPDATE idempotency_keys SET response_status = $3, response_body = $4 WHERE principal = $1 AND key = $2', [owner, key, status, JSON.stringify(body ?? null)]);
  }

  private async release(owner: string, key: string): Promise<void> {
    await this.sql.rows('DELETE FROM idempotency_keys WHERE principal = $1 AND key = $2 AND response_status IS NULL', [owner, key]);
  }

  /** Drops expired keys, at most once a minute per process. */
  private async sweep(): Promise<void> {
    if (Date.now() - this.lastSweep < 60_000) return;
    this.lastSweep = Date.now();
    await this.sql.rows(`DELETE FROM idempotency_keys WHERE created_at < now() - interval '${IDEMPOTENCY_TTL}'`, []);
  }
}

/** Marks a creating POST as honouring `Idempotency-Key` (see {@link IdempotencyInterceptor} and {@link IdempotentOptions}). */
export const Idempotent = (options: IdempotentOptions = {}): MethodDecorator =>
  applyDecorators(
    SetMetadata(IDEMPOTENT_OPTIONS, options),
    UseInterceptors(IdempotencyInterceptor),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description: 'Any unique string (1–255 printable ASCII): the same key and request within 24 hours answer the first answer again (header Idempotent-Replayed: true).',
    }),
    ApiProblems('idempotency-key-reused', 'idempotency-request-in-progress'),
  );
