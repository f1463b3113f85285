import { MigrationInterface, QueryRunner } from "typeorm";

export class SyncEngine1795274512803 implements MigrationInterface {
    name = 'SyncEngine1795274512803'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "sync_rate_limits" (
                "connector_id" text NOT NULL,
                "tat" TIMESTAMP WITH TIME ZONE NOT NULL,
                CONSTRAINT "pk_sync_rate_limits" PRIMARY KEY ("connector_id")
            )
        `);
        await queryRunner.query(`
            ALTER TABLE "transactions"
            ADD "bank_order" integer NOT NULL DEFAULT '0'
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE "transactions" DROP COLUMN "bank_order"
        `);
        await queryRunner.query(`
            DROP TABLE "sync_rate_limits"
        `);
    }

}
