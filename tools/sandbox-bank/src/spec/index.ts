/**
 * Checkers of the sandboxes' answers against the published specs (../shared/specs), for tests:
 * the subpath `@kinko/sandbox-bank/spec`, apart from the sandboxes themselves because it needs
 * the spec tooling (swagger-parser, ajv) the running banks do not.
 */
export { bankCommonApiSpecChecker, closed, jsonSchemaOf, withTransactionDateTime, type Schema, type SpecAnswerChecker } from './bank-common-api';
export { polishApiSpecChecker, type PolishApiSpecChecker } from './polish-api';
export { berlinGroupSpecChecker, type BerlinGroupSpec, type BerlinGroupSpecChecker, type BerlinGroupSpecOperation } from './berlin-group';
