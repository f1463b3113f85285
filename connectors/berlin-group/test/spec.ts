/**
 * The published NextGenPSD2 1.3.12 spec (../shared/specs/berlin-group/psd2-api_v1.3.12-2022-07-06.yaml)
 * for this package's tests: where it is, and its checker of the sandbox's answers
 * (@kinko/sandbox-bank/spec's berlinGroupSpecChecker: declared status, required headers, the
 * declared schema) — one checker for the contract test and the kit's sandbox-matches-spec.
 */
import { existsSync } from 'node:fs';
import { berlinGroupSpecChecker, type BerlinGroupSpec, type BerlinGroupSpecChecker } from '@kinko/sandbox-bank/spec';
import { sharedFile } from '../../../tools/jest/shared-files';

/** The spec's path under ../shared. */
export const SPEC_RELATIVE = 'specs/berlin-group/psd2-api_v1.3.12-2022-07-06.yaml';

/** Where the spec lives: ../shared beside the repository (absent in a public clone). */
export const SPEC_FILE = sharedFile(SPEC_RELATIVE).path;

export type Schema = Record<string, unknown>;
export type Spec = BerlinGroupSpec;
export type SpecChecker = BerlinGroupSpecChecker;

/** Parses (once per file and process) and dereferences the spec. */
export const loadSpec = (file: string = SPEC_FILE): Promise<SpecChecker> => berlinGroupSpecChecker(file);

/** The checker when the spec file is there (the kit's sandbox-matches-spec says so when not). */
export const specCheckerIfPresent = async (file: string = SPEC_FILE): Promise<SpecChecker | undefined> => (existsSync(file) ? loadSpec(file) : undefined);
