/**
 * THE way tests read `../shared` (the seeds and specs that sit beside the repository in CI,
 * and are absent from a public clone). Every test that reads one of those files goes
 * through {@link sharedFile} or {@link describeWithSharedFile}: where the file is missing,
 * the test is reported as skipped with the reason (never silently passed, never failed).
 *
 * ```ts
 * import { describeWithSharedFile } from '../../../tools/jest/shared-files';
 * describeWithSharedFile('specs/bank-common-api.yaml', 'bank-common-api contract', (spec) => {
 *   it('…', async () => { await SwaggerParser.validate(spec.path); });
 * });
 * ```
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

/** Where `../shared` is: beside the repository root (this file is `<root>/tools/jest/`). */
export const SHARED_DIR = path.resolve(__dirname, '../../../shared');

/** A file of `../shared` that is there. */
export interface PresentSharedFile {
  readonly present: true;
  /** Its absolute path. */
  readonly path: string;
  /** Its text (UTF-8), read on each call. */
  text(): string;
}

/** A file of `../shared` that is not there, and why it matters. */
export interface AbsentSharedFile {
  readonly present: false;
  readonly path: string;
  /** One line for the skipped test's name and the warning. */
  readonly reason: string;
}

export type SharedFile = PresentSharedFile | AbsentSharedFile;

/** A file under `../shared`, by its path there (e.g. `seeds/aggregation-status.ja.txt`). */
export function sharedFile(relative: string, dir: string = SHARED_DIR): SharedFile {
  const file = path.resolve(dir, relative);
  if (!existsSync(file)) {
    return { present: false, path: file, reason: `../shared/${relative} is absent (${file}): the seeds and specs live in ../shared beside the repository` };
  }
  return { present: true, path: file, text: () => readFileSync(file, 'utf8') };
}

/**
 * `describe(title, body)` when `../shared/<relative>` is present. When it is absent: the
 * same describe with one skipped test named `SKIPPED: <reason>`, and a console warning,
 * so the skip shows in the run's summary and output.
 */
export function describeWithSharedFile(relative: string, title: string, body: (file: PresentSharedFile) => void): void {
  const file = sharedFile(relative);
  if (file.present) {
    describe(title, () => body(file));
    return;
  }
  console.warn(`${title} SKIPPED: ${file.reason}`);
  describe(title, () => {
    it.skip(`SKIPPED: ${file.reason}`, () => undefined);
  });
}
