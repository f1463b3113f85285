import { unattendedAccessBudget } from '@kinko/domain';
import type { EntityManager } from 'typeorm';
import { DAY_MS } from './session-run';
import type { SessionRow } from './session-store';

// The unattended-access ledger (unattended_accesses, issue 13 §6): one row per account and
// unattended session, counted against the domain's daily budget.

/**
 * Takes one unattended access of the account for the session, if the domain's budget allows
 * it: checked under the account's row lock (two processes cannot both take the last access);
 * a session that already took it takes it again for free. Otherwise, when the next one is allowed.
 */
export async function takeUnattendedAccess(
  m: EntityManager,
  session: Pick<SessionRow, 'id' | 'tenantId' | 'userId'>,
  accountId: string,
  now: Date,
  limit: number,
): Promise<{ readonly allowed: true } | { readonly allowed: false; readonly nextAllowedAt: Date }> {
  await m.query(`SELECT id FROM bank_accounts WHERE id = $1 AND tenant_id = $2 FOR UPDATE`, [accountId, session.tenantId]);
  const already = (await m.query(`SELECT 1 FROM unattended_accesses WHERE account_id = $1 AND session_id = $2`, [accountId, session.id])) as unknown[];
  if (already.length > 0) return { allowed: true };
  const rows = (await m.query(`SELECT accessed_at FROM unattended_accesses WHERE account_id = $1 AND accessed_at > $2`, [accountId, new Date(now.getTime() - DAY_MS)])) as Array<{
    accessed_at: Date;
  }>;
  const budget = unattendedAccessBudget(
    rows.map((r) => r.accessed_at),
    now,
    limit,
  );
  if (!budget.allowed) return { allowed: false, nextAllowedAt: budget.nextAllowedAt };
  await m.query(`INSERT INTO unattended_accesses (tenant_id, user_id, account_id, accessed_at, session_id) VALUES ($1, $2, $3, $4, $5)`, [
    session.tenantId,
    session.userId,
    accountId,
    now,
    session.id,
  ]);
  return { allowed: true };
}
