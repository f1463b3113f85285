import { MigrationInterface, QueryRunner } from "typeorm";

const CHECKED = [
    { table: 'transactions', constraint: 'fk_transactions_tenant_id_user_id_account_id' },
    { table: 'daily_balances', constraint: 'fk_daily_balances_tenant_id_user_id_account_id' },
] as const;

/**
 * Issue 19 (PostgreSQL's CPU per row of the first sync): `transactions` and `daily_balances`
 * lose their foreign keys to `bank_accounts`, whose check ran once per written row (an SPI
 * lookup and a FOR KEY SHARE lock on the same account, 200 times for a page of 200 rows: about
 * a fifth of PostgreSQL's CPU per inserted transaction). What the keys did is done per
 * statement instead, as the change feed's log already does for its user (FeedLogUserCascade):
 * - an inserted row's account must exist: a statement-level trigger (the rows the statement
 *   inserted, as a transition table) locks each distinct account FOR KEY SHARE — as the key's
 *   check did, so a concurrent delete of the account waits for the writer, or the writer fails —
 *   and raises the key's own error (23503, the key's name) when one is missing; an update that
 *   moves a row to another account (none does) is checked per row;
 * - a deleted account's rows are deleted (ON DELETE CASCADE): a statement-level trigger on
 *   `bank_accounts`, one DELETE per table through the primary keys; truncating `bank_accounts`
 *   truncates both (as TRUNCATE … CASCADE did); an account whose keys change while it has rows
 *   is refused (ON UPDATE NO ACTION).
 * test/sync/account-rows-check.test.ts
 */
export class AccountRowsCheckedPerStatement1797000310000 implements MigrationInterface {
    name = 'AccountRowsCheckedPerStatement1797000310000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE FUNCTION "account_rows_check_inserted"() RETURNS trigger LANGUAGE plpgsql AS $$
            DECLARE wanted bigint; found bigint;
            BEGIN
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
        await queryRunner.query(`
            CREATE FUNCTION "account_rows_check_moved"() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              PERFORM 1 FROM bank_accounts b WHERE b.tenant_id = NEW.tenant_id AND b.user_id = NEW.user_id AND b.id = NEW.account_id FOR KEY SHARE;
              IF NOT FOUND THEN
                RAISE EXCEPTION 'insert or update on table "%" violates foreign key constraint "%"', TG_TABLE_NAME, TG_ARGV[0]
                  USING ERRCODE = 'foreign_key_violation', CONSTRAINT = TG_ARGV[0], TABLE = TG_TABLE_NAME, SCHEMA = TG_TABLE_SCHEMA,
                        DETAIL = 'Key (tenant_id, user_id, account_id) is not present in table "bank_accounts".';
              END IF;
              RETURN NULL;
            END $$
        `);
        for (const { table, constraint } of CHECKED) {
            await queryRunner.query(`ALTER TABLE "${table}" DROP CONSTRAINT "${constraint}"`);
            await queryRunner.query(`
                CREATE TRIGGER "${table}_account_on_insert" AFTER INSERT ON "${table}" REFERENCING NEW TABLE AS new_rows
                FOR EACH STATEMENT EXECUTE FUNCTION "account_rows_check_inserted"('${constraint}')
            `);
            await queryRunner.query(`
                CREATE TRIGGER "${table}_account_on_update" AFTER UPDATE ON "${table}"
                FOR EACH ROW WHEN (OLD.tenant_id IS DISTINCT FROM NEW.tenant_id OR OLD.user_id IS DISTINCT FROM NEW.user_id OR OLD.account_id IS DISTINCT FROM NEW.account_id)
                EXECUTE FUNCTION "account_rows_check_moved"('${constraint}')
            `);
        }
        await queryRunner.query(`
            CREATE FUNCTION "bank_accounts_forget_rows"() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              DELETE FROM transactions t USING old_accounts o WHERE t.user_id = o.user_id AND t.account_id = o.id AND t.tenant_id = o.tenant_id;
              DELETE FROM daily_balances d USING old_accounts o WHERE d.account_id = o.id AND d.user_id = o.user_id AND d.tenant_id = o.tenant_id;
              RETURN NULL;
            END $$
        `);
        await queryRunner.query(`
            CREATE TRIGGER "bank_accounts_rows_on_delete" AFTER DELETE ON "bank_accounts" REFERENCING OLD TABLE AS old_accounts
            FOR EACH STATEMENT EXECUTE FUNCTION "bank_accounts_forget_rows"()
        `);
        await queryRunner.query(`
            CREATE FUNCTION "bank_accounts_keep_rows"() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF EXISTS (SELECT 1 FROM transactions t WHERE t.user_id = OLD.user_id AND t.account_id = OLD.id AND t.tenant_id = OLD.tenant_id)
                 OR EXISTS (SELECT 1 FROM daily_balances d WHERE d.account_id = OLD.id AND d.user_id = OLD.user_id AND d.tenant_id = OLD.tenant_id) THEN
                RAISE EXCEPTION 'update on table "bank_accounts" violates a foreign key of its transactions or daily balances'
                  USING ERRCODE = 'foreign_key_violation', TABLE = 'bank_accounts', SCHEMA = TG_TABLE_SCHEMA;
              END IF;
              RETURN NULL;
            END $$
        `);
        await queryRunner.query(`
            CREATE TRIGGER "bank_accounts_rows_on_key_update" AFTER UPDATE ON "bank_accounts"
            FOR EACH ROW WHEN (OLD.tenant_id IS DISTINCT FROM NEW.tenant_id OR OLD.user_id IS DISTINCT FROM NEW.user_id OR OLD.id IS DISTINCT FROM NEW.id)
            EXECUTE FUNCTION "bank_accounts_keep_rows"()
        `);
        await queryRunner.query(`
            CREATE FUNCTION "bank_accounts_truncate_rows"() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              TRUNCATE transactions, daily_balances;
              RETURN NULL;
            END $$
        `);
        await queryRunner.query(`
            CREATE TRIGGER "bank_accounts_rows_on_truncate" AFTER TRUNCATE ON "bank_accounts"
            FOR EACH STATEMENT EXECUTE FUNCTION "bank_accounts_truncate_rows"()
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP TRIGGER "bank_accounts_rows_on_truncate" ON "bank_accounts"`);
        await queryRunner.query(`DROP FUNCTION "bank_accounts_truncate_rows"()`);
        await queryRunner.query(`DROP TRIGGER "bank_accounts_rows_on_key_update" ON "bank_accounts"`);
        await queryRunner.query(`DROP FUNCTION "bank_accounts_keep_rows"()`);
        await queryRunner.query(`DROP TRIGGER "bank_accounts_rows_on_delete" ON "bank_accounts"`);
        await queryRunner.query(`DROP FUNCTION "bank_accounts_forget_rows"()`);
        for (const { table, constraint } of CHECKED) {
            await queryRunner.query(`DROP TRIGGER "${table}_account_on_update" ON "${table}"`);
            await queryRunner.query(`DROP TRIGGER "${table}_account_on_insert" ON "${table}"`);
            await queryRunner.query(`
                ALTER TABLE "${table}" ADD CONSTRAINT "${constraint}" FOREIGN KEY ("tenant_id", "user_id", "account_id")
                REFERENCES "bank_accounts"("tenant_id", "user_id", "id") ON DELETE CASCADE ON UPDATE NO ACTION
            `);
        }
        await queryRunner.query(`DROP FUNCTION "account_rows_check_moved"()`);
        await queryRunner.query(`DROP FUNCTION "account_rows_check_inserted"()`);
    }

}
