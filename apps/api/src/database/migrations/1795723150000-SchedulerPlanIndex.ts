import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * The scheduler's planning query (sync-scheduler.ts: the connections due, oldest status change
 * first, LIMIT 200) read every connection and sorted them — its cost grew with the tenant's
 * connections (issue 19 §4). With this index it walks the oldest first and stops at the
 * batch: the same blocks at 10,000 and 100,000 connections (test/sync/scheduler-plan.test.ts).
 */
export class SchedulerPlanIndex1795723150000 implements MigrationInterface {
    name = 'SchedulerPlanIndex1795723150000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE INDEX "ix_connections_aggregation_status_changed_at" ON "connections" ("aggregation_status_changed_at")`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP INDEX "public"."ix_connections_aggregation_status_changed_at"`);
    }

}
