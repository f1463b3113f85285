import * as fs from 'node:fs';
import * as path from 'node:path';
import type { INestApplicationContext } from '@nestjs/common';
import { ApiKeysService } from '../auth/api-keys.service';
import { UserTokensService } from '../auth/user-tokens.service';
import { UnauthorizedError } from '../common/errors';
import type { Settings } from '../config/settings';
import { TenantsService } from '../tenants/tenants.service';
import { UsersService } from '../users/users.service';

/** Name of the demo tenant `pnpm start` creates. */
export const DEMO_TENANT_NAME = 'Kinko demo';
/** External id of its demo user. */
export const DEMO_USER_EXTERNAL_ID = 'demo-user';
/** The file (in KINKO_DATA_DIR, mode 0600) that keeps the demo API key between starts. */
export const DEMO_FILE = 'demo.json';

/** The demo tenant, user and credentials. */
export interface DemoInfo {
  readonly tenantId: string;
  readonly userId: string;
  readonly userExternalId: string;
  /** The demo API key (plaintext: only ever in the 0600 demo file and on the console). */
  readonly apiKey: string;
  /** Whether the tenant was created by this start. */
  readonly created: boolean;
  /** A fresh user token for the demo user (for the user API). */
  readonly userToken: string;
  readonly userTokenExpiresAt: Date;
  /** Another one for the connect URL: a Link URL's token is spent once exchanged for a Link session. */
  readonly linkToken: string;
  /** Where the demo key is kept. */
  readonly file: string;
}

interface DemoFile {
  tenantId: string;
  apiKey: string;
}

function readDemoFile(file: string): DemoFile | undefined {
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<DemoFile>;
    return typeof parsed.tenantId === 'string' && typeof parsed.apiKey === 'string' ? { tenantId: parsed.tenantId, apiKey: parsed.apiKey } : undefined;
  } catch {
    return undefined;
  }
}

function writeDemoFile(file: string, content: DemoFile): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
  fs.chmodSync(file, 0o600);
}

/**
 * Ensures the demo tenant, its user and a working API key exist (development start).
 * The API key is stored in the database only as a hash; its plaintext is kept in
 * KINKO_DATA_DIR/demo.json (0600) so a second start can print it again. Delete the file
 * to have a new key minted.
 */
export async function ensureDemo(app: INestApplicationContext, settings: Settings): Promise<DemoInfo> {
  const tenants = app.get(TenantsService);
  const users = app.get(UsersService);
  const apiKeys = app.get(ApiKeysService);
  const file = path.join(settings.dataDir, DEMO_FILE);

  let created = false;
  let tenant = await tenants.findByName(DEMO_TENANT_NAME);
  let apiKey: string | undefined;
  if (!tenant) {
    const boot = await tenants.bootstrap(DEMO_TENANT_NAME, 'demo');
    tenant = boot.tenant;
    apiKey = boot.apiKey.apiKey;
    created = true;
  } else {
    const saved = readDemoFile(file);
    if (saved && saved.tenantId === tenant.id) {
      try {
        const identity = await apiKeys.authenticate(saved.apiKey);
        if (identity.tenantId === tenant.id) apiKey = saved.apiKey;
      } catch (e) {
        if (!(e instanceof UnauthorizedError)) throw e;
      }
    }
    apiKey ??= (await apiKeys.mint(tenant.id, 'demo')).apiKey;
  }
  writeDemoFile(file, { tenantId: tenant.id, apiKey });

  const scope = { tenantId: tenant.id };
  const user = (await users.findByExternalId(scope, DEMO_USER_EXTERNAL_ID)) ?? (await users.create(scope, DEMO_USER_EXTERNAL_ID));
  const token = await app.get(UserTokensService).mint({ tenantId: tenant.id, userId: user.id });
  const linkToken = await app.get(UserTokensService).mint({ tenantId: tenant.id, userId: user.id });
  return {
    tenantId: tenant.id,
    userId: user.id,
    userExternalId: user.externalId,
    apiKey,
    created,
    userToken: token.token,
    userTokenExpiresAt: token.expiresAt,
    linkToken: linkToken.token,
    file,
  };
}
