import { MigrationInterface, QueryRunner } from "typeorm";

const LOG_UPDATE = (dateColumns: string) => `
            CREATE OR REPLACE FUNCTION "transaction_changes_log_update"() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              INSERT INTO transaction_changes (tenant_id, user_id, txid, account_id, transaction_id, change, kind)
                SELECT n.tenant_id, n.user_id, pg_current_xact_id()::text::bigint, n.account_id, n.id,
                       CASE WHEN o.linked_booked_id IS NULL AND n.linked_booked_id IS NOT NULL THEN 'removed' ELSE 'modified' END, n.kind
                  FROM new_rows n JOIN old_rows o ON o.user_id = n.user_id AND o.account_id = n.account_id AND o.id = n.id
                 WHERE (o.kind, o.bank_transaction_id, ${dateColumns.replace(/(\w+)/g, 'o.$1')}, o.amount_minor, o.currency_code, o.description,
                        o.balance_after_minor, o.bank_reference, o.linked_booked_id, o.link_evidence, o.flags)
                       IS DISTINCT FROM
                       (n.kind, n.bank_transaction_id, ${dateColumns.replace(/(\w+)/g, 'n.$1')}, n.amount_minor, n.currency_code, n.description,
                        n.balance_after_minor, n.bank_reference, n.linked_booked_id, n.link_evidence, n.flags);
              RETURN NULL;
            END $$
        `;

/**
 * Issue 17 (f): a transaction may lack a transaction date (a bank filtering its kind on
 * another date: Berlin Group pending items carry none). `transaction_date` becomes optional,
 * `value_date` is stored, and every row has `listed_date`, the date it is listed under (the
 * domain's `listedDateOf`; stored rows: their transaction date). Listings, keyset paging and
 * daily balances order by it: the keyset index moves to it. The change log also compares the
 * value date.
 */
export class ListedDate1795781700000 implements MigrationInterface {
    name = 'ListedDate1795781700000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "transactions" ALTER COLUMN "transaction_date" DROP NOT NULL`);
        await queryRunner.query(`ALTER TABLE "transactions" ADD "value_date" date`);
        await queryRunner.query(`ALTER TABLE "transactions" ADD "listed_date" date`);
        await queryRunner.query(`UPDATE "transactions" SET "listed_date" = "transaction_date"`);
        await queryRunner.query(`ALTER TABLE "transactions" ALTER COLUMN "listed_date" SET NOT NULL`);
        await queryRunner.query(`DROP INDEX "public"."ix_transactions_user_id_account_id_transaction_date_ba_79581fcd"`);
        await queryRunner.query(`CREATE INDEX "ix_transactions_user_id_account_id_listed_date_bank_order_id" ON "transactions" ("user_id", "account_id", "listed_date", "bank_order", "id")`);
        await queryRunner.query(LOG_UPDATE('transaction_date, booking_date, value_date'));
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(LOG_UPDATE('transaction_date, booking_date'));
        await queryRunner.query(`DROP INDEX "public"."ix_transactions_user_id_account_id_listed_date_bank_order_id"`);
        await queryRunner.query(`CREATE INDEX "ix_transactions_user_id_account_id_transaction_date_ba_79581fcd" ON "transactions" ("user_id", "account_id", "transaction_date", "bank_order", "id")`);
        // A row without a transaction date keeps the date it was listed under.
        await queryRunner.query(`UPDATE "transactions" SET "transaction_date" = "listed_date" WHERE "transaction_date" IS NULL`);
        await queryRunner.query(`ALTER TABLE "transactions" ALTER COLUMN "transaction_date" SET NOT NULL`);
        await queryRunner.query(`ALTER TABLE "transactions" DROP COLUMN "listed_date"`);
        await queryRunner.query(`ALTER TABLE "transactions" DROP COLUMN "value_date"`);
    }

}
