import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Issue 19 (PostgreSQL work per statement): two partial indexes on `transactions`, each holding
 * a few rows of an account, never its booked history (a booked row's page upsert does not
 * touch them):
 * - `ix_transactions_superseded`: the rows superseded by a booked successor
 *   (`linked_booked_id`). Read by the complete reconciliation's "booked row not yet some
 *   pending row's successor" (NOT EXISTS … linked_booked_id = b.id) and by the self-reference's
 *   check when a row is deleted ("is some row still linked to it?": a vanished pending row, or
 *   every row of a deleted account or user) — both read the account's whole history before,
 *   per candidate and per deleted row (quadratic when an account goes);
 * - `ix_transactions_open_not_booked`: the open (not superseded) rows of the kinds other than
 *   booked, which the complete reconciliation reads on every sync that fetched them — before,
 *   through the primary key's account prefix, the whole history.
 */
export class SupersededIndex1795792000000 implements MigrationInterface {
    name = 'SupersededIndex1795792000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE INDEX "ix_transactions_superseded" ON "transactions" ("user_id", "account_id", "linked_booked_id") WHERE "linked_booked_id" IS NOT NULL`);
        await queryRunner.query(`CREATE INDEX "ix_transactions_open_not_booked" ON "transactions" ("user_id", "account_id", "kind") WHERE "kind" <> 'booked' AND "linked_booked_id" IS NULL`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP INDEX "public"."ix_transactions_open_not_booked"`);
        await queryRunner.query(`DROP INDEX "public"."ix_transactions_superseded"`);
    }

}
