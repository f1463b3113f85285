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
];

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

  it.each(ENUMS)('%s.%s lists exactly the domain constant (and null when nullable)', (schema, property, values) => {
    const properties = (doc.components?.schemas?.[schema] as { properties?: Record<string, { enum?: unknown[]; type?: string | string[] }> } | undefined)?.properties;
    const type = properties?.[property]?.type;
    const nullable = Array.isArray(type) && type.includes('null');
    expect(properties?.[property]?.enum).toEqual(nullable ? [...values, null] : [...values]);
  });

  it('the stage path parameter and the transactions kind filter list the domain constants', () => {
    type Parameter = { name: string; schema?: { enum?: unknown[] } };
    const parameters = (path: string, method: string): Parameter[] => ((doc.paths[path] as Record<string, { parameters?: Parameter[] }> | undefined)?.[method]?.parameters ?? []);
    expect(parameters('/api/v2/bank/session/{sessionId}/stage/{stage}/status', 'get').find((p) => p.name === 'stage')?.schema?.enum).toEqual([...syncStages]);
    expect(parameters('/api/v2/accounts/{accountId}/transactions', 'get').find((p) => p.name === 'kind')?.schema?.enum).toEqual([...transactionKinds]);
  });
});
