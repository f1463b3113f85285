import { authFlows, credentialInputModes } from '@kinko/connector-sdk';
import {
  accountResultStatuses,
  accountSyncStatuses,
  aggregationStatusGroups,
  challengeKinds,
  consentStatuses,
  descriptionAgreements,
  invalidationReasons,
  linkMethods,
  sessionStatuses,
  stageStatuses,
  syncErrorTypes,
  syncFailureErrorTypes,
  syncStages,
  transactionKinds,
  transactionSyncStatuses,
} from '@kinko/domain';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { OpenAPIObject } from '@nestjs/swagger';
import { createTestApp } from '../../test/support/test-app';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database';
import { SYNC_SKIP_REASONS } from '../sync-api/skip-conflict';
import { SYNC_REQUESTERS } from '../sync/sync-session.entity';
import { HOLDER_TYPES } from '../accounts/bank-account.entity';
import { LEGACY_CONSENT_STATUSES } from '../accounts/bank-account.dto';
import { BALANCE_SOURCES } from '../balances/daily-balance.entity';
import { ANSWER_CHANNELS, LOGIN_OUTCOME_TYPES } from '../challenges/login-types';
import { CONNECT_RESULTS } from '../connections/connect.dto';
import { BANK_REVOCATIONS } from '../consents/consents.service';
import { tenantEventTypes } from '../webhooks/tenant-events';
import { webhookDeliveryStatuses } from '../webhooks/webhook.entities';
import { LANGUAGES } from './language';
import { OPENAPI_PATHS } from './openapi';

// Issue 13 §4: the API's enums are the domain's and the SDK's constants, never retyped.
const ENUMS: ReadonlyArray<readonly [schema: string, property: string, values: readonly string[]]> = [
  ['SkippedConnectionView', 'reason', SYNC_SKIP_REASONS],
  ['SyncFailureView', 'errorType', syncFailureErrorTypes],
  ['SessionStatusResponse', 'status', sessionStatuses],
  ['SessionStatusResponse', 'stage', syncStages],
  ['StageStatusResponse', 'stage', syncStages],
  ['StageStatusResponse', 'status', stageStatuses],
  ['AccountStageResultView', 'stage', syncStages],
  ['AccountStageResultView', 'status', accountResultStatuses],
  ['AccountStatusDetailsView', 'status', accountResultStatuses],
  ['ConnectionConsentView', 'status', consentStatuses],
  ['ConnectionConsentView', 'invalidationReason', invalidationReasons],
  ['ConnectionView', 'aggregationStatusGroup', aggregationStatusGroups],
  ['ConsentView', 'status', consentStatuses],
  ['ConsentView', 'invalidationReason', invalidationReasons],
  ['ConnectorView', 'authFlow', authFlows],
  ['AccountConsentView', 'invalidationReason', invalidationReasons],
  ['AccountConsentView', 'status', consentStatuses],
  ['SyncErrorView', 'errorType', syncErrorTypes],
  ['BankAccountView', 'syncStatus', accountSyncStatuses],
  ['BankAccountView', 'transactionSyncStatus', transactionSyncStatuses],
  ['ChallengeView', 'kind', challengeKinds],
  ['LinkEvidenceView', 'method', linkMethods],
  ['LinkEvidenceView', 'description', descriptionAgreements],
  ['TransactionView', 'kind', transactionKinds],
  ['SessionDetailsResponse', 'requestedBy', SYNC_REQUESTERS],
  ['CredentialFieldView', 'inputMode', credentialInputModes],
  ['BankView', 'authFlow', authFlows],
  ['CreateUserRequest', 'language', LANGUAGES],
  ['UserView', 'language', LANGUAGES],
  ['UpdateUserRequest', 'language', LANGUAGES],
  ['ConnectRequest', 'locale', LANGUAGES],
  ['WithdrawalView', 'bankRevocation', BANK_REVOCATIONS],
  ['ConnectResultView', 'status', CONNECT_RESULTS],
  ['BankAccountView', 'consentStatus', LEGACY_CONSENT_STATUSES],
  ['BankAccountView', 'holderType', HOLDER_TYPES],
  ['DailyBalanceView', 'source', BALANCE_SOURCES],
  ['SessionErrorView', 'errorType', syncFailureErrorTypes],
  ['SessionStatusResponse', 'status', sessionStatuses],
  ['SessionDetailsResponse', 'status', sessionStatuses],
  ['SessionDetailsResponse', 'stage', syncStages],
  ['SessionStatusDetailsResponse', 'status', sessionStatuses],
  ['SessionStatusDetailsResponse', 'stage', syncStages],
  ['CreateWebhookRequest', 'eventTypes', tenantEventTypes],
  ['WebhookEndpointWithSecret', 'eventTypes', tenantEventTypes],
  ['WebhookEndpointView', 'eventTypes', tenantEventTypes],
  ['UpdateWebhookRequest', 'eventTypes', tenantEventTypes],
  ['WebhookDeliveryView', 'eventType', tenantEventTypes],
  ['WebhookDeliveryView', 'status', webhookDeliveryStatuses],
  ['ChallengeView', 'answerVia', ANSWER_CHANNELS],
  ['LoginResultView', 'outcome', LOGIN_OUTCOME_TYPES],
];

type PropertySchema = { enum?: unknown[]; type?: string | string[]; items?: { enum?: unknown[] } };

describe('OpenAPI enums', () => {
  let db: TestDatabase;
  let app: NestFastifyApplication;
  let doc: OpenAPIObject;

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await createTestApp(db);
    doc = (await app.inject({ method: 'GET', url: OPENAPI_PATHS.json })).json<OpenAPIObject>();
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  const propertiesOf = (schema: string): Record<string, PropertySchema> | undefined =>
    (doc.components?.schemas?.[schema] as { properties?: Record<string, PropertySchema> } | undefined)?.properties;

  it.each(ENUMS)('%s.%s lists exactly the domain constant (and null when nullable)', (schema, property, values) => {
    const found = propertiesOf(schema)?.[property];
    const type = found?.type;
    const nullable = Array.isArray(type) && type.includes('null');
    expect(found?.enum ?? found?.items?.enum).toEqual(nullable ? [...values, null] : [...values]);
  });

  it('every enum of the document is one of those constants (none retyped by hand)', () => {
    const listed = new Set(ENUMS.map(([schema, property]) => `${schema}.${property}`));
    const enums = Object.keys(doc.components?.schemas ?? {}).flatMap((schema) =>
      Object.entries(propertiesOf(schema) ?? {})
        .filter(([, p]) => (p.enum ?? p.items?.enum) !== undefined)
        .map(([property]) => `${schema}.${property}`),
    );
    // Problem.type lists PROBLEMS' kinds (problem-docs.test.ts).
    expect(enums.filter((e) => e !== 'Problem.type' && !listed.has(e))).toEqual([]);
  });

  it('the stage path parameter and the transactions kind filter list the domain constants', () => {
    type Parameter = { name: string; schema?: { enum?: unknown[] } };
    const parameters = (path: string, method: string): Parameter[] => ((doc.paths[path] as Record<string, { parameters?: Parameter[] }> | undefined)?.[method]?.parameters ?? []);
    expect(parameters('/api/v2/bank/session/{sessionId}/stage/{stage}/status', 'get').find((p) => p.name === 'stage')?.schema?.enum).toEqual([...syncStages]);
    expect(parameters('/api/v2/accounts/{accountId}/transactions', 'get').find((p) => p.name === 'kind')?.schema?.enum).toEqual([...transactionKinds]);
  });
});
