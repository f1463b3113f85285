import { MigrationInterface, QueryRunner } from "typeorm";

// The columns whose change a client of the change feed sees ('modified', or 'removed' when the
// row gets its booked successor): the same list the statement-level trigger compared.
const FEED_COLUMNS = ['kind', 'bank_transaction_id', 'transaction_date', 'booking_date', 'value_date', 'amount_minor', 'currency_code', 'description',
    'balance_after_minor', 'bank_reference', 'linked_booked_id', 'link_evidence', 'flags'];
const row = (alias: string): string => `(${FEED_COLUMNS.map((c) => `${alias}.${c}`).join(', ')})`;

/**
 * Issue 19 (PostgreSQL CPU per sync session): the change feed's UPDATE trigger becomes a row
 * trigger that fires for a changed row only. The statement trigger it replaces kept every
 * updated row twice (the OLD and NEW transition tables) and joined them — a nested loop over
 * tables without statistics: 0.4 s of PostgreSQL for a re-synced page of 1,000 unchanged rows
 * (quadratic in the page's size; every re-sync rewrites its window's rows to stamp them
 * fetched). Now the WHEN condition, evaluated per row without calling PL/pgSQL, drops an
 * unchanged row (the stamp, the bank's order) and a changed one logs itself: the same entries
 * ('modified'; 'removed' when it gets its booked successor), in the same transaction.
 */
export class FeedLogChangedRowsOnly1795792240000 implements MigrationInterface {
    name = 'FeedLogChangedRowsOnly1795792240000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP TRIGGER "transaction_changes_on_update" ON "transactions"`);
        await queryRunner.query(`DROP FUNCTION "transaction_changes_log_update"()`);
        await queryRunner.query(`
            CREATE FUNCTION "transaction_changes_log_update"() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              INSERT INTO transaction_changes (tenant_id, user_id, txid, account_id, transaction_id, change, kind)
                VALUES (NEW.tenant_id, NEW.user_id, pg_current_xact_id()::text::bigint, NEW.account_id, NEW.id,
                        CASE WHEN OLD.linked_booked_id IS NULL AND NEW.linked_booked_id IS NOT NULL THEN 'removed' ELSE 'modified' END, NEW.kind);
              RETURN NULL;
            END $$
        `);
        await queryRunner.query(`
            CREATE TRIGGER "transaction_changes_on_update" AFTER UPDATE ON "transactions"
            FOR EACH ROW WHEN (${row('OLD')} IS DISTINCT FROM ${row('NEW')})
            EXECUTE FUNCTION "transaction_changes_log_update"()
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP TRIGGER "transaction_changes_on_update" ON "transactions"`);
        await queryRunner.query(`DROP FUNCTION "transaction_changes_log_update"()`);
        await queryRunner.query(`
            CREATE FUNCTION "transaction_changes_log_update"() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              INSERT INTO transaction_changes (tenant_id, user_id, txid, account_id, transaction_id, change, kind)
                SELECT n.tenant_id, n.user_id, pg_current_xact_id()::text::bigint, n.account_id, n.id,
                       CASE WHEN o.linked_booked_id IS NULL AND n.linked_booked_id IS NOT NULL THEN 'removed' ELSE 'modified' END, n.kind
                  FROM new_rows n JOIN old_rows o ON o.user_id = n.user_id AND o.account_id = n.account_id AND o.id = n.id
                 WHERE ${row('o')} IS DISTINCT FROM ${row('n')};
              RETURN NULL;
            END $$
        `);
        await queryRunner.query(`
            CREATE TRIGGER "transaction_changes_on_update" AFTER UPDATE ON "transactions" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION "transaction_changes_log_update"()
        `);
    }

}
