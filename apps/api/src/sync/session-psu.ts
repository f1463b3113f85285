import type { PsuContext } from '@kinko/connector-sdk';
import type { EntityManager } from 'typeorm';

// The user (PSU) behind a sync session, kept with the session request (its `parameters.psu`)
// so that the engine passes it to the connector's data calls: a bank whose standard counts
// unattended reads (Berlin Group: a read without PSU-IP-Address counts against the consent's
// frequencyPerDay) then does not count a sync the user started. Never shown by the API, and
// erased once the session has finished (erasePsuOfFinishedSessions, `psuRetentionMinutes`).

const KEY = 'psu';

/**
 * The session parameters that keep `psu` (only for a session the user started: requestedBy
 * `user`): the user's address and user agent, or — when the request said the user is not
 * present (the tenant's API key acting as the user without the user's address) — that alone.
 */
export function psuParameters(requestedBy: string, psu: PsuContext | undefined): Record<string, unknown> {
  if (requestedBy !== 'user' || psu === undefined) return {};
  if (!psu.userPresent) return { [KEY]: { userPresent: false } };
  return { [KEY]: { ...(psu.ipAddress !== undefined ? { ipAddress: psu.ipAddress } : {}), ...(psu.userAgent !== undefined ? { userAgent: psu.userAgent } : {}) } };
}

/**
 * Whether the user is present in a session — the one rule for the PSU context of its bank
 * calls ({@link sessionPsu}) and for the unattended-access ledger (an absent user's session
 * counts against the bank's daily budget, PSD2 RTS art. 36(5)(b)): a session the user
 * started (requestedBy `user`) unless its request said the user is not present; never the
 * scheduler's nor the tenant backend's.
 */
export function userPresentIn(requestedBy: string, parameters: Record<string, unknown>): boolean {
  if (requestedBy !== 'user') return false;
  const kept = parameters[KEY];
  return !(typeof kept === 'object' && kept !== null && (kept as { userPresent?: unknown }).userPresent === false);
}

/**
 * The PSU context of a session's data calls: present (with the address and user agent the
 * session request kept) when the user is ({@link userPresentIn}); not present for the
 * scheduler's and the tenant backend's (unattended) sessions, nor for the tenant's API key
 * acting as the user without the user's address.
 */
export function sessionPsu(requestedBy: string, parameters: Record<string, unknown>): PsuContext {
  if (!userPresentIn(requestedBy, parameters)) return { userPresent: false };
  const kept = parameters[KEY];
  const { ipAddress, userAgent } = (typeof kept === 'object' && kept !== null ? kept : {}) as { ipAddress?: unknown; userAgent?: unknown };
  return {
    ...(typeof ipAddress === 'string' ? { ipAddress } : {}),
    ...(typeof userAgent === 'string' ? { userAgent } : {}),
    userPresent: true,
  };
}

/** The session parameters as the API shows them: without the PSU's address and user agent. */
export function publicParameters(parameters: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(parameters).filter(([k]) => k !== KEY));
}

/** Sessions whose `psu` one statement erases (a round repeats it up to {@link MAX_ERASE_BATCHES} times). */
const ERASE_BATCH = 1_000;
const MAX_ERASE_BATCHES = 20;

// One batch: the `psu` of sessions that finished before $1 is removed from their parameters
// (the rest of the request stays). Through the partial index of the sessions that still keep
// one (migration PsuRetention), so a round reads only those, whatever the sessions' history.
const ERASE_PSU_SQL = `WITH doomed AS (
    SELECT id FROM sync_sessions WHERE parameters ? '${KEY}' AND finished_at < $1 ORDER BY finished_at LIMIT $2 FOR UPDATE SKIP LOCKED
  ), erased AS (
    UPDATE sync_sessions s SET parameters = s.parameters - '${KEY}' FROM doomed d WHERE s.id = d.id RETURNING s.id
  )
  SELECT count(*)::int AS erased FROM erased`;

/**
 * The retention of the PSU context: the user's IP address and user agent a session request
 * keeps (`parameters.psu`) are needed only while the session runs (the bank's data calls), so
 * they are erased from every session that finished before `cutoff` (now − `psuRetentionMinutes`).
 * A session still queued or running keeps them. Run by the scheduler's round
 * (sync-scheduler.ts). Returns the sessions erased.
 */
export async function erasePsuOfFinishedSessions(manager: EntityManager, cutoff: Date): Promise<number> {
  let total = 0;
  for (let i = 0; i < MAX_ERASE_BATCHES; i += 1) {
    const [row] = (await manager.query(ERASE_PSU_SQL, [cutoff, ERASE_BATCH])) as Array<{ erased: number }>;
    const erased = row?.erased ?? 0;
    total += erased;
    if (erased < ERASE_BATCH) break;
  }
  return total;
}
