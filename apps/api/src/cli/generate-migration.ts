import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createKinkoDataSource, runMigrations } from '../database/data-source';
import { EmbeddedDatabase } from '../database/embedded-postgres';

const PACKAGE_ROOT = path.resolve(__dirname, '../..');
const MIGRATIONS_DIR = path.join(PACKAGE_ROOT, 'src/database/migrations');

/**
 * Generates a migration with the TypeORM CLI (`migration:generate`) against a real, scratch
 * PostgreSQL: the committed migrations are applied first, so the new file holds exactly the
 * difference between them and the entities. Then rewrites migrations/index.ts.
 * Runs from dist (the CLI loads dist/database/cli-data-source.js).
 */
export async function generateMigration(name: string, log: (line: string) => void): Promise<string | undefined> {
  if (!/^[A-Z][A-Za-z0-9]*$/.test(name)) throw new Error('The migration name must be PascalCase, e.g. AddWebhooks');
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'kinko-migration-'));
  fs.chmodSync(scratch, 0o755); // the postgres user must traverse it when we run as root
  const db = await EmbeddedDatabase.start({ dataDir: path.join(scratch, 'pg'), ephemeral: true });
  try {
    const dataSource = createKinkoDataSource(db.url);
    await dataSource.initialize();
    try {
      await runMigrations(dataSource);
    } finally {
      await dataSource.destroy();
    }
    const before = new Set(fs.readdirSync(MIGRATIONS_DIR));
    const cli = path.join(path.dirname(require.resolve('typeorm')), 'cli.js');
    const result = spawnSync(
      process.execPath,
      [cli, 'migration:generate', path.join(MIGRATIONS_DIR, name), '-d', path.join(PACKAGE_ROOT, 'dist/database/cli-data-source.js'), '--pretty'],
      { cwd: PACKAGE_ROOT, env: { ...process.env, DATABASE_URL: db.url }, encoding: 'utf8' },
    );
    log(result.stdout.trim());
    if (result.status !== 0) {
      if (/No changes in database schema were found/.test(result.stdout + result.stderr)) return undefined;
      throw new Error(`typeorm migration:generate failed:\n${result.stderr}`);
    }
    const created = fs.readdirSync(MIGRATIONS_DIR).find((f) => !before.has(f));
    writeMigrationIndex();
    return created;
  } finally {
    await db.stop();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** Rewrites migrations/index.ts to import every migration file, oldest first. */
export function writeMigrationIndex(): void {
  const files = fs
    .readdirSync(MIGRATIONS_DIR)
    .filter((f) => /^\d+-[A-Za-z0-9]+\.ts$/.test(f))
    .sort((a, b) => Number(a.split('-')[0]) - Number(b.split('-')[0]));
  const classes = files.map((f) => {
    const [timestamp, rest] = f.replace(/\.ts$/, '').split('-') as [string, string];
    return { file: f.replace(/\.ts$/, ''), className: `${rest}${timestamp}` };
  });
  const text = `import type { MigrationInterface } from 'typeorm';
${classes.map((c) => `import { ${c.className} } from './${c.file}';`).join('\n')}

/**
 * Every committed migration, oldest first. Listed explicitly (no glob) so the same list
 * works from TypeScript sources under jest and from dist; a test checks that every file in
 * this folder is listed. Rewritten by \`migration:generate\`.
 */
export const MIGRATIONS: ReadonlyArray<new () => MigrationInterface> = [${classes.map((c) => c.className).join(', ')}];
`;
  fs.writeFileSync(path.join(MIGRATIONS_DIR, 'index.ts'), text);
}
