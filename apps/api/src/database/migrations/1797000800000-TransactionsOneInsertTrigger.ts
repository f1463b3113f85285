import { MigrationInterface, QueryRunner } from "typeorm";

const CONSTRAINT = 'fk_transactions_tenant_id_user_id_account_id';

/**
 * Issue 19 (the page write's fixed cost per statement): an INSERT into `transactions` fires ONE
 * statement-level trigger instead of two. The change feed's log of the inserted rows
 * (`transaction_changes_on_insert`, TransactionChangeFeed) and the check of their account
 * (`transactions_account_on_insert`, AccountRowsCheckedPerStatement) each cost a trigger event,
 * a PL/pgSQL call, an SPI connection and the start of its own executor on every page write,
 * whatever its size — 3 page writes of one row each in a daily refresh. One function now does
 * both on the same transition table, in the order they fired (the log, then the check, whose
 * error undoes the statement with its log), and reads the transaction's id once per statement
 * instead of once per logged row. `daily_balances` keeps its own check (account_rows_check_inserted).
 * test/sync/account-rows-check.test.ts
 */
export class TransactionsOneInsertTrigger1797000800000 implements MigrationInterface {
    name = 'TransactionsOneInsertTrigger1797000800000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE FUNCTION "transactions_inserted"() RETURNS trigger LANGUAGE plpgsql AS $$
            DECLARE wanted bigint; found bigint;
            BEGIN
              INSERT INTO transaction_changes (tenant_id, user_id, txid, account_id, transaction_id, change, kind)
                SELECT n.tenant_id, n.user_id, x.txid, n.account_id, n.id, 'added', n.kind
                  FROM (SELECT pg_current_xact_id()::text::bigint AS txid) x, new_rows n;
              SELECT count(*), count(a.id) INTO wanted, found
                FROM (SELECT DISTINCT tenant_id, user_id, account_id FROM new_rows) n
                LEFT JOIN LATERAL (SELECT b.id FROM bank_accounts b WHERE b.tenant_id = n.tenant_id AND b.user_id = n.user_id AND b.id = n.account_id FOR KEY SHARE) a ON true;
              IF found < wanted THEN
                RAISE EXCEPTION 'insert or update on table "%" violates foreign key constraint "%"', TG_TABLE_NAME, TG_ARGV[0]
                  USING ERRCODE = 'foreign_key_violation', CONSTRAINT = TG_ARGV[0], TABLE = TG_TABLE_NAME, SCHEMA = TG_TABLE_SCHEMA,
                        DETAIL = 'Key (tenant_id, user_id, account_id) is not present in table "bank_accounts".';
              END IF;
              RETURN NULL;
            END $$
        `);
        await queryRunner.query(`DROP TRIGGER "transaction_changes_on_insert" ON "transactions"`);
        await queryRunner.query(`DROP TRIGGER "transactions_account_on_insert" ON "transactions"`);
        await queryRunner.query(`DROP FUNCTION "transaction_changes_log_insert"()`);
        await queryRunner.query(`
            CREATE TRIGGER "transactions_on_insert" AFTER INSERT ON "transactions" REFERENCING NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION "transactions_inserted"('${CONSTRAINT}')
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP TRIGGER "transactions_on_insert" ON "transactions"`);
        await queryRunner.query(`DROP FUNCTION "transactions_inserted"()`);
        await queryRunner.query(`
            CREATE FUNCTION "transaction_changes_log_insert"() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              INSERT INTO transaction_changes (tenant_id, user_id, txid, account_id, transaction_id, change, kind)
                SELECT n.tenant_id, n.user_id, pg_current_xact_id()::text::bigint, n.account_id, n.id, 'added', n.kind FROM new_rows n;
              RETURN NULL;
            END $$
        `);
        await queryRunner.query(`
            CREATE TRIGGER "transaction_changes_on_insert" AFTER INSERT ON "transactions" REFERENCING NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION "transaction_changes_log_insert"()
        `);
        await queryRunner.query(`
            CREATE TRIGGER "transactions_account_on_insert" AFTER INSERT ON "transactions" REFERENCING NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION "account_rows_check_inserted"('${CONSTRAINT}')
        `);
    }

}
