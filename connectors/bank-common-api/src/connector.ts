import { defineConnector, type Connector } from '@kinko/connector-sdk';
import { manifestOf, normaliseBank, type BankCommonApiBank } from './bank';
import { bankCommonApiImplementation } from './client';
import { BankCommonApiConfig, BankCommonApiGrant } from './schemas';

/**
 * The connector of one bank that speaks the 銀行共通API (v0.5.0). Call it once per bank the
 * deployment offers and register every result: each bank is its own connector, so its
 * `id` is the bankId users sync (`POST /api/v2/bank/{bankId}/sync`), its host the only one
 * contacted, and its limits and request limiter its own.
 *
 * Throws `ConnectorSetupError` for an invalid definition and `InvalidManifestError` when the
 * id or limits break the manifest rules — at start-up, never during a bank call.
 *
 * ```ts
 * const mizuho = bankCommonApiConnector({ id: 'bca-0001', bankCode: '0001', bankName: 'みずほ銀行', baseUrl: 'https://api.example-bank.jp/v1' });
 * const client = mizuho.create({ config: { apiKey: process.env.MIZUHO_API_KEY, password: process.env.MIZUHO_API_PASSWORD } });
 * ```
 */
export function bankCommonApiConnector(bank: BankCommonApiBank): Connector {
  const normalised = normaliseBank(bank);
  return defineConnector<BankCommonApiGrant, never, BankCommonApiConfig>({
    manifest: manifestOf(normalised),
    config: BankCommonApiConfig,
    grant: BankCommonApiGrant,
    create: (ctx) => bankCommonApiImplementation(ctx, normalised),
  });
}
