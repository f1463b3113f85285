// Jest setupFilesAfterEnv: every answer of every Kinko app a test starts is validated against
// the OpenAPI document that app serves (openapi-conformance.ts). A mismatch fails the test
// during which it was answered (or the file, for answers in beforeAll/afterAll).
import { afterAll, afterEach, expect } from '@jest/globals';
import { recordAnswerMismatches, takeAnswerMismatches } from './openapi-conformance';

const stop = recordAnswerMismatches();

afterEach(() => {
  expect({ answersNotMatchingTheOpenApiDocument: takeAnswerMismatches() }).toEqual({ answersNotMatchingTheOpenApiDocument: [] });
});

afterAll(() => {
  stop();
  expect({ answersNotMatchingTheOpenApiDocument: takeAnswerMismatches() }).toEqual({ answersNotMatchingTheOpenApiDocument: [] });
});
