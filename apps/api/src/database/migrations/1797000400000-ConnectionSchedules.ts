import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Issue 19 §4: the scheduler's planning round costs the same per connection at 1,000,000
 * connections as at 100,000. A connection's due time leaves `connections` for a narrow table
 * of its own, `connection_schedules` (one row per connection the scheduler may refresh — one
 * with a grant: its `next_refresh_at`), with two indexes: its primary key and the due index the
 * planning query scans. Planning a connection writes its due time, a key of the due index (never
 * a HOT update): the new row version's entries now go into those two narrow indexes instead of
 * every index of `connections`, whose UUID-led ones (primary key, unique key) took a random leaf
 * page each — at a million connections mostly one not in shared buffers
 * (test/sync/scheduler-writes.test.ts). `connections` keeps no index the scheduler needs.
 *
 * Kept by the database, whoever writes (the app, the bench's seeding, an operator's SQL), by
 * statement triggers on `connection_secrets`:
 * - a connection's `grant` secret stored: its row (if it has none), due since the connection's
 *   status last changed — a never-planned connection was `-infinity` and taken oldest status
 *   change first; the same order, now in the due time itself. So whether a connection has a
 *   grant is whether it has a row: the planning query reads no secret per candidate;
 * - its `grant` deleted (consent revoked, the connection or its user deleted): its row deleted;
 * - a deleted connection's row goes with it in any case (ON DELETE CASCADE).
 * The rows a statement adds are inserted in the connections' physical order (the ids of a
 * statement's transition table as one array: it has no statistics, and a join to it planned
 * from stale ones could be quadratic).
 */
export class ConnectionSchedules1797000400000 implements MigrationInterface {
    name = 'ConnectionSchedules1797000400000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "connection_schedules" (
                "connection_id" uuid NOT NULL,
                "next_refresh_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                CONSTRAINT "pk_connection_schedules" PRIMARY KEY ("connection_id")
            )
        `);
        await queryRunner.query(`
            INSERT INTO "connection_schedules" ("connection_id", "next_refresh_at")
            SELECT c."id", CASE WHEN c."next_refresh_at" = '-infinity' THEN c."aggregation_status_changed_at" ELSE c."next_refresh_at" END
              FROM "connections" c
             WHERE EXISTS (SELECT 1 FROM "connection_secrets" s WHERE s."connection_id" = c."id" AND s."kind" = 'grant')
             ORDER BY c.ctid
        `);
        await queryRunner.query(`
            ALTER TABLE "connection_schedules"
            ADD CONSTRAINT "fk_connection_schedules_connection_id" FOREIGN KEY ("connection_id") REFERENCES "connections"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
        await queryRunner.query(`CREATE INDEX "ix_connection_schedules_due" ON "connection_schedules" ("next_refresh_at", "connection_id")`);
        await queryRunner.query(`
            CREATE FUNCTION "connection_schedules_grants_stored"() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              INSERT INTO connection_schedules (connection_id, next_refresh_at)
              SELECT c.id, c.aggregation_status_changed_at FROM connections c
               WHERE c.id = ANY (ARRAY(SELECT n.connection_id FROM new_secrets n WHERE n.kind = 'grant'))
               ORDER BY c.ctid
              ON CONFLICT (connection_id) DO NOTHING;
              RETURN NULL;
            END $$
        `);
        await queryRunner.query(`
            CREATE TRIGGER "connection_schedules_on_secret_insert" AFTER INSERT ON "connection_secrets" REFERENCING NEW TABLE AS new_secrets
            FOR EACH STATEMENT EXECUTE FUNCTION "connection_schedules_grants_stored"()
        `);
        await queryRunner.query(`
            CREATE FUNCTION "connection_schedules_grants_deleted"() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              DELETE FROM connection_schedules s
               WHERE s.connection_id = ANY (ARRAY(SELECT o.connection_id FROM old_secrets o WHERE o.kind = 'grant'))
                 AND NOT EXISTS (SELECT 1 FROM connection_secrets x WHERE x.connection_id = s.connection_id AND x.kind = 'grant');
              RETURN NULL;
            END $$
        `);
        await queryRunner.query(`
            CREATE TRIGGER "connection_schedules_on_secret_delete" AFTER DELETE ON "connection_secrets" REFERENCING OLD TABLE AS old_secrets
            FOR EACH STATEMENT EXECUTE FUNCTION "connection_schedules_grants_deleted"()
        `);
        await queryRunner.query(`DROP INDEX "public"."ix_connections_refresh_due"`);
        await queryRunner.query(`ALTER TABLE "connections" DROP COLUMN "next_refresh_at"`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "connections" ADD "next_refresh_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT '-infinity'`);
        await queryRunner.query(`UPDATE "connections" c SET "next_refresh_at" = s."next_refresh_at" FROM "connection_schedules" s WHERE s."connection_id" = c."id"`);
        await queryRunner.query(`CREATE INDEX "ix_connections_refresh_due" ON "connections" ("next_refresh_at", "aggregation_status_changed_at", "id")
            WHERE NOT deactivated
              AND aggregation_status NOT LIKE 'running.%' AND aggregation_status NOT LIKE 'suspended.%'
              AND aggregation_status NOT LIKE 'auth.%' AND aggregation_status NOT IN ('inactive', 'guest.intervention.required')`);
        await queryRunner.query(`DROP TRIGGER "connection_schedules_on_secret_delete" ON "connection_secrets"`);
        await queryRunner.query(`DROP FUNCTION "connection_schedules_grants_deleted"()`);
        await queryRunner.query(`DROP TRIGGER "connection_schedules_on_secret_insert" ON "connection_secrets"`);
        await queryRunner.query(`DROP FUNCTION "connection_schedules_grants_stored"()`);
        await queryRunner.query(`DROP TABLE "connection_schedules"`);
    }

}
