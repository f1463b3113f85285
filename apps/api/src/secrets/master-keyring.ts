import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type ConfiguredMasterKey, type Settings, decodeKey, fingerprintKeyId } from '../config/settings';

/** A master key: wraps data keys; never encrypts a secret directly. */
export interface MasterKey {
  readonly id: string;
  readonly key: Buffer;
}

/**
 * The master keys this process knows: the current one (wraps every new data key) and older
 * ones (still unwrap until a rotation has re-wrapped everything under the current key).
 */
export class MasterKeyring {
  private readonly byId = new Map<string, MasterKey>();

  constructor(
    /** Wraps new data keys. */
    readonly current: MasterKey,
    older: readonly MasterKey[] = [],
    /** Called when an unknown key id is asked for; may return a fresher keyring (key file re-read). */
    private readonly reload?: () => MasterKeyring | undefined,
  ) {
    for (const k of [current, ...older]) {
      if (k.key.length !== 32) throw new Error(`master key ${k.id} must be 32 bytes`);
      if (this.byId.has(k.id)) throw new Error(`master key id ${k.id} appears twice`);
      this.byId.set(k.id, k);
    }
  }

  /** Ids of every known key, current first. */
  get ids(): string[] {
    return [...this.byId.keys()];
  }

  /** Ids of the keys that are not current (records under them need re-wrapping). */
  get olderIds(): string[] {
    return this.ids.filter((id) => id !== this.current.id);
  }

  /** The key with this id, or undefined when it is not configured. */
  get(id: string): MasterKey | undefined {
    const found = this.byId.get(id);
    if (found || !this.reload) return found;
    const fresh = this.reload();
    if (!fresh) return undefined;
    for (const id2 of fresh.ids) {
      const k = fresh.byId.get(id2);
      if (k && !this.byId.has(id2)) this.byId.set(id2, k);
    }
    return this.byId.get(id);
  }
}

/** A new random master key, as the base64 text KINKO_MASTER_KEY takes. */
export function generateMasterKey(): string {
  return randomBytes(32).toString('base64');
}

/** Name of the development key file inside KINKO_DATA_DIR. */
export const DEV_KEY_FILE = 'master.key';

/**
 * The development key file: one `<key id>:<base64 key>` per line, current key first.
 * Readable only by its owner (0600).
 */
export function readKeyFile(file: string): MasterKeyring {
  const keys: MasterKey[] = [];
  for (const [i, line] of fs.readFileSync(file, 'utf8').split('\n').map((l) => l.trim()).filter(Boolean).entries()) {
    const sep = line.indexOf(':');
    const key = sep > 0 ? decodeKey(line.slice(sep + 1)) : undefined;
    if (!key) throw new Error(`${file}: line ${i + 1} is not "<key id>:<32 bytes base64>"`);
    keys.push({ id: line.slice(0, sep), key });
  }
  const [current, ...older] = keys;
  if (!current) throw new Error(`${file} holds no key`);
  return new MasterKeyring(current, older, () => readKeyFile(file));
}

/** Writes the development key file (current key first), owner-only. */
export function writeKeyFile(file: string, keys: readonly MasterKey[]): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, keys.map((k) => `${k.id}:${k.key.toString('base64')}\n`).join(''), { mode: 0o600 });
  fs.renameSync(tmp, file);
}

/**
 * The keyring from the settings: KINKO_MASTER_KEY (+ KINKO_MASTER_KEYS_OLD) when set;
 * otherwise — development and test only — the key file KINKO_DATA_DIR/master.key, created
 * on first use with a warning.
 */
export function resolveMasterKeyring(settings: Settings, warn: (message: string) => void): MasterKeyring {
  const toKey = (k: ConfiguredMasterKey): MasterKey => ({ id: k.id, key: k.key });
  if (settings.masterKey) return new MasterKeyring(toKey(settings.masterKey), settings.oldMasterKeys.map(toKey));
  if (settings.mode === 'production') throw new Error('KINKO_MASTER_KEY is required in production');
  const file = path.join(settings.dataDir, DEV_KEY_FILE);
  if (!fs.existsSync(file)) {
    const key = Buffer.from(generateMasterKey(), 'base64');
    writeKeyFile(file, [{ id: fingerprintKeyId(key), key }]);
    warn(
      `No KINKO_MASTER_KEY configured: created a development master key in ${file} (mode 0600). ` +
        'Set KINKO_MASTER_KEY in production; losing this file makes every stored secret unreadable.',
    );
  }
  const fromFile = readKeyFile(file);
  // Old keys given in the environment still count (a rotation away from them may be under way).
  if (settings.oldMasterKeys.length === 0) return fromFile;
  const extra = settings.oldMasterKeys.map(toKey).filter((k) => !fromFile.ids.includes(k.id));
  return new MasterKeyring(fromFile.current, [...fromFile.olderIds.map((id) => fromFile.get(id) as MasterKey), ...extra], () => readKeyFile(file));
}
