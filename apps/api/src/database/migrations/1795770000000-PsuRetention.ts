import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * The user's IP address and user agent a session request keeps (`sync_sessions.parameters.psu`)
 * are erased once the session has finished (session-psu.ts, the scheduler's round): this partial
 * index holds only the sessions that still keep them, so the round never reads the sessions'
 * whole history.
 */
export class PsuRetention1795770000000 implements MigrationInterface {
    name = 'PsuRetention1795770000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE INDEX "ix_sync_sessions_psu_kept" ON "sync_sessions" ("finished_at") WHERE "parameters" ? 'psu'`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP INDEX "public"."ix_sync_sessions_psu_kept"`);
    }

}
