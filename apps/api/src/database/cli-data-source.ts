import { createKinkoDataSource } from './data-source';

// Entry point for the TypeORM CLI (`typeorm -d dist/database/cli-data-source.js …`), used
// by `migration:generate`, which provides DATABASE_URL (a scratch embedded PostgreSQL).
const url = process.env['DATABASE_URL'];
if (!url) throw new Error('DATABASE_URL must be set for the TypeORM CLI');

/** The data source the TypeORM CLI diffs the entities against. */
export const dataSource = createKinkoDataSource(url, { applicationName: 'kinko-typeorm-cli' });
