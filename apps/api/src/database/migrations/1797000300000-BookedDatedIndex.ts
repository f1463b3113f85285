import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Issue 19 (the incremental sync's latest-dates read, whatever the statistics): a partial index
 * of the booked rows carrying a transaction date, by listed date — the predicate and order of the
 * windows' latest booked transaction date (account-store's latestStoredDates: `kind = 'booked' AND
 * transaction_date IS NOT NULL ORDER BY listed_date DESC LIMIT 1`). Through the keyset index that
 * walk filtered on the kind and the date, and right after bulk first syncs (statistics missing or
 * stale: an account believed to hold a row or two) PostgreSQL planned it as a bitmap scan of all
 * the account's rows and a sort (16 ms a session in the bench's long history). Here the walk needs
 * no filter and no sort, so no other plan is cheaper at any row estimate: one index entry.
 */
export class BookedDatedIndex1797000300000 implements MigrationInterface {
    name = 'BookedDatedIndex1797000300000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE INDEX "ix_transactions_booked_dated" ON "transactions" ("user_id", "account_id", "listed_date") WHERE "kind" = 'booked' AND "transaction_date" IS NOT NULL`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP INDEX "public"."ix_transactions_booked_dated"`);
    }

}
