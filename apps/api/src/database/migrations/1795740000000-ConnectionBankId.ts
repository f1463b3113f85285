import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * One word per concept (issue 13 §4): every connection names its bank entry. Rows from before
 * `bank_id` existed (null) are named by their connector id, as the code read them
 * (`bankId ?? connectorId`); the column is then required, and that fallback is gone.
 * Down makes the column optional again (the filled-in names stay).
 */
export class ConnectionBankId1795740000000 implements MigrationInterface {
    name = 'ConnectionBankId1795740000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`UPDATE "connections" SET "bank_id" = "connector_id" WHERE "bank_id" IS NULL`);
        await queryRunner.query(`ALTER TABLE "connections" ALTER COLUMN "bank_id" SET NOT NULL`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "connections" ALTER COLUMN "bank_id" DROP NOT NULL`);
    }
}
