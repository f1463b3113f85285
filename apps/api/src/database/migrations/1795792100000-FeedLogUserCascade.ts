import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Issue 19 (PostgreSQL work per statement): the change feed's log (`transaction_changes`)
 * loses its foreign key to `users`. The key checked every logged row on its own (a lookup and
 * a row lock on the user, per row: about a quarter of PostgreSQL's CPU per written transaction
 * in the ingest profile), though the log's rows are written only by the triggers on
 * `transactions`, whose rows already reference their account (and so their user). What the key
 * did besides — a deleted user's log goes with them (ON DELETE CASCADE) — is done by a
 * statement-level trigger on `users` (one DELETE per statement, through the feed's index).
 */
export class FeedLogUserCascade1795792100000 implements MigrationInterface {
    name = 'FeedLogUserCascade1795792100000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "transaction_changes" DROP CONSTRAINT "fk_transaction_changes_tenant_id_user_id"`);
        await queryRunner.query(`
            CREATE FUNCTION "transaction_changes_forget_users"() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              DELETE FROM transaction_changes c USING old_users u WHERE c.user_id = u.id AND c.tenant_id = u.tenant_id;
              RETURN NULL;
            END $$
        `);
        await queryRunner.query(`
            CREATE TRIGGER "transaction_changes_on_user_delete" AFTER DELETE ON "users" REFERENCING OLD TABLE AS old_users
            FOR EACH STATEMENT EXECUTE FUNCTION "transaction_changes_forget_users"()
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP TRIGGER "transaction_changes_on_user_delete" ON "users"`);
        await queryRunner.query(`DROP FUNCTION "transaction_changes_forget_users"()`);
        await queryRunner.query(`DELETE FROM "transaction_changes" c WHERE NOT EXISTS (SELECT 1 FROM "users" u WHERE u."tenant_id" = c."tenant_id" AND u."id" = c."user_id")`);
        await queryRunner.query(`
            ALTER TABLE "transaction_changes"
            ADD CONSTRAINT "fk_transaction_changes_tenant_id_user_id" FOREIGN KEY ("tenant_id", "user_id") REFERENCES "users"("tenant_id", "id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
    }

}
