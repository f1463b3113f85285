import { dueExpiryWarning } from '@kinko/domain';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { emitTenantEvent } from '../webhooks/tenant-events';
import { SYNC_CLOCK, type SyncClock } from './sync-clock';
import { runTransaction } from '../database/transaction';

/** A `consent.expiring` warning sent by a round. */
export interface SentExpiryWarning {
  readonly consentId: string;
  readonly connectionId: string;
  readonly daysBefore: number;
}

const WARN_AHEAD_MS = 14 * 86_400_000;
const BATCH = 500;

/**
 * Decides when to warn that a consent expires: each round (run by the scheduler) takes the
 * current (newest) valid consent of each connection that expires within 14 days and sends
 * the warning the domain's `dueExpiryWarning` finds due (14, 7 or 1 days before, once each,
 * the nearest point reached) — the `consent.expiring` tenant event, in the transaction that
 * records it in `consent_expiry_warnings`, so a warning is recorded exactly when it is sent.
 * Consent status is not written here (expiry itself is the one decision's).
 */
@Injectable()
export class ConsentExpiryWarnings {
  private readonly logger = new Logger('ConsentExpiryWarnings');

  constructor(
    private readonly dataSource: DataSource,
    @Inject(SYNC_CLOCK) private readonly clock: SyncClock,
  ) {}

  /** One round at the clock's now: the warnings sent. */
  async round(): Promise<SentExpiryWarning[]> {
    const now = this.clock.now();
    // Across tenants: a system task, not a user-facing query.
    const candidates = (await this.dataSource.query(
      `SELECT c.id, c.tenant_id, c.user_id, c.connection_id, c.expiration_date,
              COALESCE(array_agg(w.days_before) FILTER (WHERE w.days_before IS NOT NULL), '{}') AS sent
         FROM consents c LEFT JOIN consent_expiry_warnings w ON w.consent_id = c.id
        WHERE c.status = 'valid' AND c.expiration_date > $1 AND c.expiration_date <= $2
          AND NOT EXISTS (SELECT 1 FROM consents n WHERE n.connection_id = c.connection_id AND (n.create_date, n.id) > (c.create_date, c.id))
        GROUP BY c.id ORDER BY c.expiration_date LIMIT $3`,
      [now, new Date(now.getTime() + WARN_AHEAD_MS), BATCH],
    )) as Array<{ id: string; tenant_id: string; user_id: string; connection_id: string; expiration_date: Date; sent: number[] }>;
    const sent: SentExpiryWarning[] = [];
    for (const c of candidates) {
      const due = dueExpiryWarning(c.expiration_date, now, c.sent.map(Number));
      if (due === undefined) continue;
      const recorded = await runTransaction(this.dataSource, async (m) => {
        const inserted = (await m.query(
          `INSERT INTO consent_expiry_warnings (consent_id, days_before, tenant_id, user_id, sent_at) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT DO NOTHING RETURNING consent_id`,
          [c.id, due, c.tenant_id, c.user_id, now],
        )) as unknown[];
        if (inserted.length === 0) return false;
        await emitTenantEvent(
          m,
          {
            tenantId: c.tenant_id,
            type: 'consent.expiring',
            data: { userId: c.user_id, connectionId: c.connection_id, consentId: c.id, expiresAt: c.expiration_date.toISOString(), daysBefore: due },
          },
          now,
        );
        return true;
      });
      if (recorded) sent.push({ consentId: c.id, connectionId: c.connection_id, daysBefore: due });
    }
    if (sent.length > 0) this.logger.log(`consent.expiring: ${sent.length} sent`);
    return sent;
  }
}
