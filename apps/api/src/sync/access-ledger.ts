import { unattendedAccessBudget } from '@kinko/domain';
import type { EntityManager } from 'typeorm';
import { preparedQuery } from '../database/prepared-sql';
import { DAY_MS } from './session-run';
import type { SessionRow } from './session-store';
import { type Statement, writeTogether } from './carried-sql';

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

/** An account's answer from {@link takeUnattendedAccesses}. */
export type AccessTaken = { readonly allowed: true } | { readonly allowed: false; readonly nextAllowedAt: Date };

/**
 * {@link takeUnattendedAccess} for several accounts of the session at once, in the caller's
 * transaction: their rows locked in one statement (in id order: two sessions sharing accounts
 * cannot deadlock), their last day's accesses read in one, the domain's budget decided for
 * each, the accesses taken in one more (with the caller's `carry`). Race-free as one at a time: the budget is read under the
 * accounts' row locks, held until the caller's transaction ends (`locked`: taken already by the
 * caller's transaction, which updated every one of the accounts' rows).
 */
export async function takeUnattendedAccesses(
  m: EntityManager,
  session: Pick<SessionRow, 'id' | 'tenantId' | 'userId'>,
  accountIds: readonly string[],
  now: Date,
  limit: number,
  carry?: (taken: ReadonlyMap<string, AccessTaken>) => readonly Statement[],
  locked = false,
): Promise<Map<string, AccessTaken>> {
  const out = new Map<string, AccessTaken>();
  if (accountIds.length === 0) return out;
  // The locks first, on their own: a statement reads with the snapshot it started with, so the
  // ledger read in the same statement would miss the accesses a session holding the locks
  // before it committed meanwhile (read committed: the next statement sees them). `locked`: an
  // earlier statement of the caller's transaction holds them already (it updated the accounts'
  // rows: FOR NO KEY UPDATE, which conflicts with this FOR UPDATE and with itself), then no
  // statement of its own.
  if (!locked) await m.query(`SELECT id FROM bank_accounts WHERE id = ANY($1::uuid[]) AND tenant_id = $2 ORDER BY id FOR UPDATE`, [accountIds, session.tenantId]);
  // A named prepared statement: one per unattended session, parsed once per connection.
  const rows = await preparedQuery<{ id: string; already: boolean; accessed: Date[] }>(
    m,
    `SELECT b.id,
            EXISTS (SELECT 1 FROM unattended_accesses u WHERE u.account_id = b.id AND u.session_id = $3) AS already,
            ARRAY(SELECT u.accessed_at FROM unattended_accesses u WHERE u.account_id = b.id AND u.accessed_at > $4) AS accessed
       FROM bank_accounts b WHERE b.id = ANY($1::uuid[]) AND b.tenant_id = $2 ORDER BY b.id`,
    [accountIds, session.tenantId, session.id, new Date(now.getTime() - DAY_MS)],
  );
  const taking: string[] = [];
  for (const r of rows) {
    if (r.already) {
      out.set(r.id, { allowed: true });
      continue;
    }
    const budget = unattendedAccessBudget(r.accessed, now, limit);
    if (budget.allowed) taking.push(r.id);
    out.set(r.id, budget.allowed ? { allowed: true } : { allowed: false, nextAllowedAt: budget.nextAllowedAt });
  }
  // `carry`: what the caller writes knowing the answers (the accounts' progress), in the accesses' statement.
  const carried = carry?.(out) ?? [];
  const insert: Statement = { text: `INSERT INTO unattended_accesses (tenant_id, user_id, account_id, accessed_at, session_id) SELECT $1, $2, a, $3, $4 FROM unnest($5::uuid[]) AS a`, values: [session.tenantId, session.userId, now, session.id, taking] };
  await writeTogether(m, taking.length > 0 ? [...carried, insert] : carried);
  return out;
}
