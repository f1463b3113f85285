import { MigrationInterface, QueryRunner } from "typeorm";

// What the feed shows of a row (TransactionView): a change to anything else (the fetch stamp,
// the bank's order within the day) is no change for the feed.
const SHOWN = `kind, bank_transaction_id, transaction_date, booking_date, amount_minor, currency_code, description,
                balance_after_minor, bank_reference, linked_booked_id, link_evidence, flags`;
const shown = (alias: string): string => SHOWN.split(',').map((c) => `${alias}.${c.trim()}`).join(', ');

/**
 * The transactions change feed (issue 14 §1): the `transaction_changes` log and the three
 * statement-level triggers on `transactions` that write it in the same transaction as every
 * change (one INSERT … SELECT from the statement's transition table: no round trip, whoever
 * writes). The rows that exist now are logged as added, so a feed read from an empty cursor
 * reproduces the listing from the start.
 */
export class TransactionChangeFeed1795531400000 implements MigrationInterface {
    name = 'TransactionChangeFeed1795531400000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "transaction_changes" (
                "seq" BIGSERIAL NOT NULL,
                "tenant_id" uuid NOT NULL,
                "user_id" uuid NOT NULL,
                "txid" bigint NOT NULL,
                "account_id" uuid NOT NULL,
                "transaction_id" uuid NOT NULL,
                "change" text NOT NULL,
                CONSTRAINT "ck_transaction_changes_change" CHECK ("change" IN ('added', 'modified', 'removed')),
                CONSTRAINT "pk_transaction_changes" PRIMARY KEY ("seq")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_transaction_changes_user_id_txid_seq" ON "transaction_changes" ("user_id", "txid", "seq")
        `);
        // A page reads a few index entries from the cursor on: never a parallel scan (a generic
        // plan of a one-user installation would otherwise start workers that each walk the index).
        await queryRunner.query(`
            ALTER TABLE "transaction_changes" SET (parallel_workers = 0)
        `);
        await queryRunner.query(`
            ALTER TABLE "transaction_changes"
            ADD CONSTRAINT "fk_transaction_changes_tenant_id_user_id" FOREIGN KEY ("tenant_id", "user_id") REFERENCES "users"("tenant_id", "id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            CREATE FUNCTION "transaction_changes_log_insert"() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              INSERT INTO transaction_changes (tenant_id, user_id, txid, account_id, transaction_id, change)
                SELECT n.tenant_id, n.user_id, pg_current_xact_id()::text::bigint, n.account_id, n.id, 'added' FROM new_rows n;
              RETURN NULL;
            END $$
        `);
        await queryRunner.query(`
            CREATE FUNCTION "transaction_changes_log_update"() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              INSERT INTO transaction_changes (tenant_id, user_id, txid, account_id, transaction_id, change)
                SELECT n.tenant_id, n.user_id, pg_current_xact_id()::text::bigint, n.account_id, n.id, 'modified'
                  FROM new_rows n JOIN old_rows o ON o.user_id = n.user_id AND o.account_id = n.account_id AND o.id = n.id
                 WHERE (${shown('o')}) IS DISTINCT FROM (${shown('n')});
              RETURN NULL;
            END $$
        `);
        // A delete cascading from a deleted user logs nothing (the user's log goes with it).
        await queryRunner.query(`
            CREATE FUNCTION "transaction_changes_log_delete"() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              INSERT INTO transaction_changes (tenant_id, user_id, txid, account_id, transaction_id, change)
                SELECT o.tenant_id, o.user_id, pg_current_xact_id()::text::bigint, o.account_id, o.id, 'removed'
                  FROM old_rows o WHERE EXISTS (SELECT 1 FROM users u WHERE u.tenant_id = o.tenant_id AND u.id = o.user_id);
              RETURN NULL;
            END $$
        `);
        await queryRunner.query(`
            CREATE TRIGGER "transaction_changes_on_insert" AFTER INSERT ON "transactions" REFERENCING NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION "transaction_changes_log_insert"()
        `);
        await queryRunner.query(`
            CREATE TRIGGER "transaction_changes_on_update" AFTER UPDATE ON "transactions" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION "transaction_changes_log_update"()
        `);
        await queryRunner.query(`
            CREATE TRIGGER "transaction_changes_on_delete" AFTER DELETE ON "transactions" REFERENCING OLD TABLE AS old_rows
            FOR EACH STATEMENT EXECUTE FUNCTION "transaction_changes_log_delete"()
        `);
        await queryRunner.query(`
            INSERT INTO transaction_changes (tenant_id, user_id, txid, account_id, transaction_id, change)
              SELECT tenant_id, user_id, pg_current_xact_id()::text::bigint, account_id, id, 'added' FROM transactions ORDER BY user_id, account_id, id
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP TRIGGER "transaction_changes_on_delete" ON "transactions"`);
        await queryRunner.query(`DROP TRIGGER "transaction_changes_on_update" ON "transactions"`);
        await queryRunner.query(`DROP TRIGGER "transaction_changes_on_insert" ON "transactions"`);
        await queryRunner.query(`DROP FUNCTION "transaction_changes_log_delete"()`);
        await queryRunner.query(`DROP FUNCTION "transaction_changes_log_update"()`);
        await queryRunner.query(`DROP FUNCTION "transaction_changes_log_insert"()`);
        await queryRunner.query(`
            ALTER TABLE "transaction_changes" DROP CONSTRAINT "fk_transaction_changes_tenant_id_user_id"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_transaction_changes_user_id_txid_seq"
        `);
        await queryRunner.query(`
            DROP TABLE "transaction_changes"
        `);
    }

}
