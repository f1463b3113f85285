import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * `bank_order` becomes the bank's order within the day (its own sequence, or the place it
 * listed the transaction at among the day's in a fetch; bigint for a bank's own sequence),
 * and listings sort by (transaction_date, bank_order, id): the keyset index gains the column.
 * Stored rows keep their relative order: within a day, the fetch that last returned them,
 * then their place in it.
 */
export class BankOrderWithinDay1795410000000 implements MigrationInterface {
    name = 'BankOrderWithinDay1795410000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE "transactions" ALTER COLUMN "bank_order" TYPE bigint
        `);
        await queryRunner.query(`
            UPDATE "transactions" t SET "bank_order" = r.k
              FROM (SELECT "user_id", "account_id", "id",
                           row_number() OVER (PARTITION BY "user_id", "account_id", "transaction_date" ORDER BY "last_fetched_at", "bank_order", "id") - 1 AS k
                      FROM "transactions") r
             WHERE t."user_id" = r."user_id" AND t."account_id" = r."account_id" AND t."id" = r."id" AND t."bank_order" <> r.k
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_transactions_user_id_account_id_transaction_date_id"
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_transactions_user_id_account_id_transaction_date_ba_79581fcd" ON "transactions" ("user_id", "account_id", "transaction_date", "bank_order", "id")
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            DROP INDEX "public"."ix_transactions_user_id_account_id_transaction_date_ba_79581fcd"
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_transactions_user_id_account_id_transaction_date_id" ON "transactions" ("user_id", "account_id", "transaction_date", "id")
        `);
        await queryRunner.query(`
            ALTER TABLE "transactions" ALTER COLUMN "bank_order" TYPE integer USING greatest(least("bank_order", 2147483647), -2147483648)::integer
        `);
    }

}
