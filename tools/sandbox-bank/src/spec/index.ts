/**
 * Checkers of the sandboxes' answers against the published specs (../shared/specs), for tests:
 * the subpath `@kinko/sandbox-bank/spec`, apart from the sandboxes themselves because it needs
 * the spec tooling (swagger-parser, ajv) the running banks do not.
 */
export { bankCommonApiSpecChecker, closed, jsonSchemaOf, withTransactionDateTime, type Schema, type SpecAnswerChecker } from './bank-common-api';
export { polishApiSpecChecker, type PolishApiSpecChecker } from './polish-api';
export { berlinGroupSpecChecker, type BerlinGroupSpec, type BerlinGroupSpecChecker, type BerlinGroupSpecOperation } from './berlin-group';
export { UK_OPEN_BANKING_SPEC, ukOpenBankingSpecChecker, type UkOpenBankingSpec, type UkOpenBankingSpecChecker, type UkOpenBankingSpecOperation, type UkOpenBankingSpecParameter } from './uk-open-banking';
export { GMO_AOZORA_SPEC, gmoAozoraSpecChecker, type GmoAozoraSpec, type GmoAozoraSpecChecker, type GmoAozoraSpecOperation, type GmoAozoraSpecParameter } from './gmo-aozora';
// The parts every checker is made of, for a connector's own (private) sandbox's checker (pnpm create-connector's test/sandbox/spec.ts).
export { oncePerFile, specAjv, validatorCache } from './shared';
