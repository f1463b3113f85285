import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Issue 14 finish:
 * - `transaction_changes` records the row's transaction kind and when the change was logged
 *   (`created_at`, for the retention pruning), and a pending/hold/scheduled row superseded by
 *   its booked successor is logged as `removed` (the feed already shows it so);
 * - `sync_stages.change_counts`: the changes a session's stage wrote, per kind and change
 *   (`booked.added` …), tallied in each page's transaction from the log (sync.finished);
 * - `users.language` (ja | en | pl, optional): the user's language for labels in events;
 * - `users.feed_pruned_txid/_seq`: the newest position of the user's feed whose removal was
 *   pruned — a cursor before it is unusable (410), never silently skipping a removal.
 */
export class FeedKindsUserLanguage1795723140000 implements MigrationInterface {
    name = 'FeedKindsUserLanguage1795723140000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "transaction_changes" ADD "kind" text`);
        await queryRunner.query(`ALTER TABLE "transaction_changes" ADD "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now()`);
        await queryRunner.query(`UPDATE "transaction_changes" c SET "kind" = t."kind" FROM "transactions" t WHERE t."user_id" = c."user_id" AND t."account_id" = c."account_id" AND t."id" = c."transaction_id"`);
        await queryRunner.query(`CREATE INDEX "ix_transaction_changes_created_at" ON "transaction_changes" ("created_at")`);
        await queryRunner.query(`ALTER TABLE "sync_stages" ADD "change_counts" jsonb NOT NULL DEFAULT '{}'`);
        await queryRunner.query(`ALTER TABLE "users" ADD "language" text`);
        await queryRunner.query(`ALTER TABLE "users" ADD CONSTRAINT "ck_users_language" CHECK ("language" IS NULL OR "language" IN ('ja', 'en', 'pl'))`);
        await queryRunner.query(`ALTER TABLE "users" ADD "feed_pruned_txid" bigint`);
        await queryRunner.query(`ALTER TABLE "users" ADD "feed_pruned_seq" bigint`);
        await queryRunner.query(`
            CREATE OR REPLACE FUNCTION "transaction_changes_log_insert"() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              INSERT INTO transaction_changes (tenant_id, user_id, txid, account_id, transaction_id, change, kind)
                SELECT n.tenant_id, n.user_id, pg_current_xact_id()::text::bigint, n.account_id, n.id, 'added', n.kind FROM new_rows n;
              RETURN NULL;
            END $$
        `);
        await queryRunner.query(`
            CREATE OR REPLACE FUNCTION "transaction_changes_log_update"() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              INSERT INTO transaction_changes (tenant_id, user_id, txid, account_id, transaction_id, change, kind)
                SELECT n.tenant_id, n.user_id, pg_current_xact_id()::text::bigint, n.account_id, n.id,
                       CASE WHEN o.linked_booked_id IS NULL AND n.linked_booked_id IS NOT NULL THEN 'removed' ELSE 'modified' END, n.kind
                  FROM new_rows n JOIN old_rows o ON o.user_id = n.user_id AND o.account_id = n.account_id AND o.id = n.id
                 WHERE (o.kind, o.bank_transaction_id, o.transaction_date, o.booking_date, o.amount_minor, o.currency_code, o.description,
                        o.balance_after_minor, o.bank_reference, o.linked_booked_id, o.link_evidence, o.flags)
                       IS DISTINCT FROM
                       (n.kind, n.bank_transaction_id, n.transaction_date, n.booking_date, n.amount_minor, n.currency_code, n.description,
                        n.balance_after_minor, n.bank_reference, n.linked_booked_id, n.link_evidence, n.flags);
              RETURN NULL;
            END $$
        `);
        await queryRunner.query(`
            CREATE OR REPLACE FUNCTION "transaction_changes_log_delete"() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              INSERT INTO transaction_changes (tenant_id, user_id, txid, account_id, transaction_id, change, kind)
                SELECT o.tenant_id, o.user_id, pg_current_xact_id()::text::bigint, o.account_id, o.id, 'removed', o.kind
                  FROM old_rows o WHERE EXISTS (SELECT 1 FROM users u WHERE u.tenant_id = o.tenant_id AND u.id = o.user_id);
              RETURN NULL;
            END $$
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE OR REPLACE FUNCTION "transaction_changes_log_insert"() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              INSERT INTO transaction_changes (tenant_id, user_id, txid, account_id, transaction_id, change)
                SELECT n.tenant_id, n.user_id, pg_current_xact_id()::text::bigint, n.account_id, n.id, 'added' FROM new_rows n;
              RETURN NULL;
            END $$
        `);
        await queryRunner.query(`
            CREATE OR REPLACE FUNCTION "transaction_changes_log_update"() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              INSERT INTO transaction_changes (tenant_id, user_id, txid, account_id, transaction_id, change)
                SELECT n.tenant_id, n.user_id, pg_current_xact_id()::text::bigint, n.account_id, n.id, 'modified'
                  FROM new_rows n JOIN old_rows o ON o.user_id = n.user_id AND o.account_id = n.account_id AND o.id = n.id
                 WHERE (o.kind, o.bank_transaction_id, o.transaction_date, o.booking_date, o.amount_minor, o.currency_code, o.description,
                        o.balance_after_minor, o.bank_reference, o.linked_booked_id, o.link_evidence, o.flags)
                       IS DISTINCT FROM
                       (n.kind, n.bank_transaction_id, n.transaction_date, n.booking_date, n.amount_minor, n.currency_code, n.description,
                        n.balance_after_minor, n.bank_reference, n.linked_booked_id, n.link_evidence, n.flags);
              RETURN NULL;
            END $$
        `);
        await queryRunner.query(`
            CREATE OR REPLACE FUNCTION "transaction_changes_log_delete"() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              INSERT INTO transaction_changes (tenant_id, user_id, txid, account_id, transaction_id, change)
                SELECT o.tenant_id, o.user_id, pg_current_xact_id()::text::bigint, o.account_id, o.id, 'removed'
                  FROM old_rows o WHERE EXISTS (SELECT 1 FROM users u WHERE u.tenant_id = o.tenant_id AND u.id = o.user_id);
              RETURN NULL;
            END $$
        `);
        await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "feed_pruned_seq"`);
        await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "feed_pruned_txid"`);
        await queryRunner.query(`ALTER TABLE "users" DROP CONSTRAINT "ck_users_language"`);
        await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "language"`);
        await queryRunner.query(`ALTER TABLE "sync_stages" DROP COLUMN "change_counts"`);
        await queryRunner.query(`DROP INDEX "public"."ix_transaction_changes_created_at"`);
        await queryRunner.query(`ALTER TABLE "transaction_changes" DROP COLUMN "created_at"`);
        await queryRunner.query(`ALTER TABLE "transaction_changes" DROP COLUMN "kind"`);
    }

}
