import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Issue 19 §4: the scheduler's planning round costs the same per connection at 1,000,000
 * connections as at 100,000. Planning a connection writes its `next_refresh_at`, a key of the
 * partial index `ix_connections_refresh_due`: never a HOT update, so the new row version gets
 * an entry in EVERY index of `connections`. The entries of the due index go to its end (due
 * an interval on); those of the indexes led by a random UUID each land on a random leaf page
 * — at a million connections nearly always one not written since the last checkpoint (a full
 * page image in the WAL, 8 kB) and often not in shared buffers (test/sync/scheduler-writes.test.ts).
 * `ix_connections_tenant_id_user_id` (tenant_id, user_id) is a prefix of the unique index
 * `uq_connections_tenant_id_user_id_id` (tenant_id, user_id, id), which serves every lookup
 * by user (and the cascade from users) as well: one random page less per planned connection,
 * and per status move of the sync worker.
 */
export class DropConnectionsTenantUserIndex1797000100000 implements MigrationInterface {
    name = 'DropConnectionsTenantUserIndex1797000100000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP INDEX "public"."ix_connections_tenant_id_user_id"`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE INDEX "ix_connections_tenant_id_user_id" ON "connections" ("tenant_id", "user_id")`);
    }

}
