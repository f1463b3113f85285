import type { Language } from '@kinko/domain';
import type { EntityManager } from 'typeorm';
import type { UserScope } from '../database/scoped-data';
import { DEFAULT_LANGUAGE } from '../http/language';

/**
 * The user's language (`users.language`: ja | en | pl): set by the tenant (`POST`/`PATCH
 * /api/v2/tenant/users`) and remembered when the user picks one on the Link pages (`?lang=`);
 * events with labels (`connection.status_changed`) use it.
 */
export async function rememberUserLanguage(manager: EntityManager, scope: UserScope, language: Language | null): Promise<void> {
  await manager.query(`UPDATE users SET language = $3 WHERE tenant_id = $1 AND id = $2 AND language IS DISTINCT FROM $3`, [scope.tenantId, scope.userId, language]);
}

/** The language to label things in for the user: theirs, else {@link DEFAULT_LANGUAGE} (Japanese; tenants have no language of their own). */
export async function labelLanguageOf(manager: EntityManager, scope: UserScope): Promise<Language> {
  const rows = (await manager.query(`SELECT language FROM users WHERE tenant_id = $1 AND id = $2`, [scope.tenantId, scope.userId])) as Array<{ language: Language | null }>;
  return rows[0]?.language ?? DEFAULT_LANGUAGE;
}
