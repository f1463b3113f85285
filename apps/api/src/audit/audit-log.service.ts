import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { preparedQuery } from '../database/prepared-sql';

/** One event to audit. `details` must never carry a secret (checked). */
export interface AuditEvent {
  readonly tenantId: string | null;
  readonly actor: string;
  readonly action: string;
  readonly target?: string | null;
  readonly details?: Record<string, unknown>;
}

// Words that, in a key name, suggest a secret is being written into the trail.
const SECRET_WORDS = new Set(['password', 'passcode', 'passphrase', 'secret', 'token', 'plaintext', 'answer', 'otp', 'pin', 'credential', 'credentials']);
const words = (key: string): string[] => key.split(/[_\-\s]+|(?<=[a-z0-9])(?=[A-Z])/).map((w) => w.toLowerCase());

/** Rejects details that look like they hold a secret (by key name, at any depth). */
export function assertNoSecretKeys(details: unknown, path = 'details'): void {
  if (details === null || typeof details !== 'object') return;
  for (const [key, value] of Object.entries(details)) {
    if (words(key).some((w) => SECRET_WORDS.has(w))) throw new Error(`audit ${path}.${key}: audit details must not carry secrets`);
    assertNoSecretKeys(value, `${path}.${key}`);
  }
}

/** Appends to the audit log (secret decryptions, bank calls, key rotations…). */
@Injectable()
export class AuditLog {
  constructor(private readonly dataSource: DataSource) {}

  /** Records one event; pass `manager` to write inside a running transaction. */
  async record(event: AuditEvent, manager: EntityManager = this.dataSource.manager): Promise<void> {
    const details = event.details ?? {};
    assertNoSecretKeys(details);
    // One INSERT (a prepared statement), not the entity's save(): outside a transaction save()
    // wraps its INSERT in START TRANSACTION … COMMIT, three statements for every decryption
    // (each sync session reads its grant).
    await preparedQuery(manager, INSERT_SQL, [event.tenantId, event.actor, event.action, event.target ?? null, JSON.stringify(details)]);
  }
}

const INSERT_SQL = `INSERT INTO audit_log (tenant_id, actor, action, target, details) VALUES ($1::uuid, $2, $3, $4, $5::jsonb)`;
