import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Issue 19 (fewer statements per sync session): each account's row of a session
 * (`sync_account_results`) keeps what that account's work added to the stage counts
 * (`counts`: stage → requestsMade, itemsFetched, itemsWritten, errors) and the transaction
 * changes its writing transactions logged (`change_counts`: `booked.added` → n). A page's
 * transaction of one account updates its own account row instead of the stage's row that
 * every account running in parallel updated (they serialised on its row lock). A stage's
 * counts are its row's plus its accounts' rows' (apps/api/src/sync/session-store.ts).
 */
export class AccountResultCounts1795792400000 implements MigrationInterface {
    name = 'AccountResultCounts1795792400000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "sync_account_results" ADD "counts" jsonb NOT NULL DEFAULT '{}'`);
        await queryRunner.query(`ALTER TABLE "sync_account_results" ADD "change_counts" jsonb NOT NULL DEFAULT '{}'`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "sync_account_results" DROP COLUMN "change_counts"`);
        await queryRunner.query(`ALTER TABLE "sync_account_results" DROP COLUMN "counts"`);
    }

}
