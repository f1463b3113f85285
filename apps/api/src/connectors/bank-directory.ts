import { type Connector, type ConnectorManifest, type ConnectorRegistry, ConnectorSetupError, createConnectorRegistry } from '@kinko/connector-sdk';
import { NotFoundError } from '../common/errors';
import { type BankEntry, InvalidSettingsError } from '../config/settings';
import type { ConnectorSetup, ConsentFactsReader } from '../sync/sync-options';
import type { BankRegistration, ConnectorPackage } from './registered-connectors';

/** One bank the app offers: which connector speaks to it, and what it can do. */
export interface RegisteredBank {
  /** The bank's id in the API (`POST /api/v2/bank/{bankId}/sync`) and on its connections. */
  readonly bankId: string;
  /** The connector's manifest id (stored on connections as `connectorId`). */
  readonly connectorId: string;
  /** The bank's 4-digit code, when it has one. */
  readonly bankCode: string | undefined;
  readonly manifest: ConnectorManifest;
  readonly connector: Connector;
  /** Reads the consent's facts out of the bank's grants (connectors whose grant carries them). */
  readonly consentFacts?: ConsentFactsReader;
}

/** Where the banks come from. */
export interface BankDirectorySources {
  /** The connector packages (the app's list, {@link REGISTERED_CONNECTOR_PACKAGES}). */
  readonly packages: readonly ConnectorPackage[];
  /** Entries from the settings (`KINKO_BANKS`): their problems are reported as settings problems. */
  readonly configured: readonly BankEntry[];
  /** Entries the app adds itself (the development sandbox banks). */
  readonly extra?: readonly BankEntry[];
  /** Bare connectors (tests): each is a bank whose id is its manifest id, without config. */
  readonly connectors?: readonly Connector[];
}

/**
 * The banks of this deployment, built once at start from the connector packages and the
 * bank entries. It creates no connector client: every bank call goes through the one path,
 * `ConnectorClients` (sync/connector-clients.ts: audited, one client per connector and
 * process), with the setups {@link connectorSetups} gives it:
 *
 * ```ts
 * const bank = directory.require(connection.bankId); // NotFoundError('Bank') when unknown
 * const start = await clients.call(bank.connectorId, { tenantId, connectionId, actor }, (c) => c.auth.begin(input));
 * ```
 */
export class BankDirectory {
  private readonly banks: ReadonlyMap<string, RegisteredBank>;
  private readonly configs: ReadonlyMap<string, unknown>;
  /** The SDK registry of every bank's connector (ids unique: duplicates stop the start). */
  readonly registry: ConnectorRegistry;

  constructor(private readonly sources: BankDirectorySources) {
    const packageIds = new Set<string>();
    for (const p of sources.packages) {
      if (packageIds.has(p.id)) throw new ConnectorSetupError(`connector package "${p.id}" is registered twice`);
      packageIds.add(p.id);
    }
    const registrations: BankRegistration[] = [
      ...build(sources.packages, sources.configured, true),
      ...build(sources.packages, sources.extra ?? [], false),
      ...(sources.connectors ?? []).map((connector) => ({ bankId: connector.manifest.id, connector, config: undefined })),
    ];
    this.registry = createConnectorRegistry(registrations.map((r) => r.connector));
    const banks = new Map<string, RegisteredBank>();
    const configs = new Map<string, unknown>();
    for (const r of registrations) {
      if (banks.has(r.bankId)) throw new ConnectorSetupError(`bankId "${r.bankId}" is registered twice`);
      banks.set(r.bankId, {
        bankId: r.bankId,
        connectorId: r.connector.manifest.id,
        bankCode: r.bankCode,
        manifest: r.connector.manifest,
        connector: r.connector,
        ...(r.consentFacts ? { consentFacts: r.consentFacts } : {}),
      });
      configs.set(r.bankId, r.config);
    }
    this.banks = banks;
    this.configs = configs;
  }

  /** Every bank, in registration order (configured, then sandbox, then bare connectors). */
  list(): readonly RegisteredBank[] {
    return [...this.banks.values()];
  }

  /** The bank with this id, if offered. */
  get(bankId: string): RegisteredBank | undefined {
    return this.banks.get(bankId);
  }

  /** The bank with this id; {@link NotFoundError} (`Bank`) otherwise. */
  require(bankId: string): RegisteredBank {
    const bank = this.banks.get(bankId);
    if (!bank) throw new NotFoundError('Bank');
    return bank;
  }

  /** The banks with this 4-digit bank code. */
  withBankCode(bankCode: string): readonly RegisteredBank[] {
    return this.list().filter((b) => b.bankCode === bankCode);
  }

  /**
   * How to create each configured connector's client, by connector id (what the sync
   * engine's `SyncModule.forRoot({ connectorSetups })` takes). Bare test connectors have none.
   */
  connectorSetups(): Record<string, ConnectorSetup> {
    const setups: Record<string, ConnectorSetup> = {};
    for (const bank of this.banks.values()) {
      const config = this.configs.get(bank.bankId);
      if (config !== undefined) setups[bank.connectorId] = { config, ...(bank.consentFacts ? { consentFacts: bank.consentFacts } : {}) };
    }
    return setups;
  }
}

/**
 * Checks the configured bank entries (`KINKO_BANKS`) with their connector packages, without
 * starting anything: {@link InvalidSettingsError} naming the entry and field at fault (the
 * main job runs it before the database starts, and exits 2 with that one line).
 */
export function checkBankEntries(packages: readonly ConnectorPackage[], entries: readonly BankEntry[]): void {
  build(packages, entries, true);
}

function build(packages: readonly ConnectorPackage[], entries: readonly BankEntry[], fromSettings: boolean): BankRegistration[] {
  const problem = (message: string): Error =>
    fromSettings ? new InvalidSettingsError([{ name: 'KINKO_BANKS', problem: message }]) : new ConnectorSetupError(message);
  const byPackage = new Map<string, BankEntry[]>();
  for (const entry of entries) {
    if (!packages.some((p) => p.id === entry.connector)) {
      throw problem(`bank "${entry.bankId}": no connector package "${entry.connector}" (registered: ${packages.map((p) => p.id).join(', ') || 'none'})`);
    }
    byPackage.set(entry.connector, [...(byPackage.get(entry.connector) ?? []), entry]);
  }
  const out: BankRegistration[] = [];
  for (const [id, group] of byPackage) {
    const pkg = packages.find((p) => p.id === id) as ConnectorPackage;
    try {
      out.push(...pkg.banks(group));
    } catch (e) {
      if (e instanceof Error && (e.name === 'ConnectorSetupError' || e.name === 'InvalidManifestError')) throw problem(e.message);
      throw e;
    }
  }
  return out;
}
