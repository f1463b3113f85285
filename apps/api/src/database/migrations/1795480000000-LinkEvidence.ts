import { MigrationInterface, QueryRunner } from "typeorm";

export class LinkEvidence1795480000000 implements MigrationInterface {
    name = 'LinkEvidence1795480000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE "transactions"
            ADD "link_evidence" jsonb
        `);
        await queryRunner.query(`
            ALTER TABLE "transactions"
            ADD CONSTRAINT "ck_transactions_link_evidence" CHECK ("link_evidence" IS NULL OR "linked_booked_id" IS NOT NULL)
        `);
        // Pending rows are no longer kept beside their booked candidates as "ambiguous": the next
        // complete reconciliation links or deletes them.
        await queryRunner.query(`
            UPDATE "transactions" SET "flags" = array_remove("flags", 'ambiguousMatch') WHERE 'ambiguousMatch' = ANY("flags")
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE "transactions" DROP CONSTRAINT "ck_transactions_link_evidence"
        `);
        await queryRunner.query(`
            ALTER TABLE "transactions" DROP COLUMN "link_evidence"
        `);
    }

}
