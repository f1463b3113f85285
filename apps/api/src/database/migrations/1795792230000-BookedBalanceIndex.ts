import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Issue 19 (costs flat as the history grows): a partial index of the booked rows that carry the
 * bank's balance after them, in the listing's order. The daily balances' reads (the last such
 * row before a range, and the day's last one within it: deriveDailyBalances) walked the keyset
 * index and filtered: for an account whose bank reports no balance after each transaction, the
 * walk visited the whole booked history to find nothing, on every sync. Through this index the
 * walk reads the rows it returns: none for such an account (the index holds nothing of it, so its
 * writes cost nothing either), one for the "before" read of an account whose rows carry balances.
 */
export class BookedBalanceIndex1795792230000 implements MigrationInterface {
    name = 'BookedBalanceIndex1795792230000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE INDEX "ix_transactions_booked_balance" ON "transactions" ("user_id", "account_id", "listed_date", "bank_order", "id") WHERE "kind" = 'booked' AND "balance_after_minor" IS NOT NULL`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP INDEX "public"."ix_transactions_booked_balance"`);
    }

}
