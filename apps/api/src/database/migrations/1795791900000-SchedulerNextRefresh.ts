import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Issue 19 §4: the scheduler's planning round flat from 100,000 to 1,000,000 connections.
 * `connections.next_refresh_at` is the instant the scheduler may look at a connection again
 * (its last planned session plus the refresh interval, the instant its unattended budget
 * allows again, or when a recent or running session leaves it alone); never planned:
 * -infinity. The partial index holds only the connections the scheduler may start (the
 * statuses of SCHEDULABLE_CONNECTION_SQL, sync-scheduler.ts), in the order it takes them:
 * the candidates of a batch are one index range scan over the due ones, with no look at
 * sync_sessions (test/sync/scheduler-plan.test.ts). It replaces the index on
 * aggregation_status_changed_at, which only the planning query used.
 */
export class SchedulerNextRefresh1795791900000 implements MigrationInterface {
    name = 'SchedulerNextRefresh1795791900000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "connections" ADD "next_refresh_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT '-infinity'`);
        await queryRunner.query(`CREATE INDEX "ix_connections_refresh_due" ON "connections" ("next_refresh_at", "aggregation_status_changed_at", "id")
            WHERE NOT deactivated
              AND aggregation_status NOT LIKE 'running.%' AND aggregation_status NOT LIKE 'suspended.%'
              AND aggregation_status NOT LIKE 'auth.%' AND aggregation_status NOT IN ('inactive', 'guest.intervention.required')`);
        await queryRunner.query(`DROP INDEX "public"."ix_connections_aggregation_status_changed_at"`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE INDEX "ix_connections_aggregation_status_changed_at" ON "connections" ("aggregation_status_changed_at")`);
        await queryRunner.query(`DROP INDEX "public"."ix_connections_refresh_due"`);
        await queryRunner.query(`ALTER TABLE "connections" DROP COLUMN "next_refresh_at"`);
    }

}
