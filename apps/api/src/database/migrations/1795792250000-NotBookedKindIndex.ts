import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Issue 19 (costs flat as the history grows): a partial index of the rows of the kinds other
 * than booked, by kind then listed date. Every incremental session asks for the latest stored
 * date of each (account, kind) it fetches (the start of the kind's next window: account-store's
 * latestStoredDates); for a kind other than booked that walk went through the keyset index and
 * filtered on the kind, so a kind the account has no rows of (pending, on an account that never
 * had one) read every row of the account's history. Through this index it reads the kind's
 * newest rows only, or none. Booked rows — nearly all of a history — are not in it: their writes
 * cost nothing more.
 */
export class NotBookedKindIndex1795792250000 implements MigrationInterface {
    name = 'NotBookedKindIndex1795792250000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE INDEX "ix_transactions_not_booked_kind" ON "transactions" ("user_id", "account_id", "kind", "listed_date") WHERE "kind" <> 'booked'`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP INDEX "public"."ix_transactions_not_booked_kind"`);
    }

}
