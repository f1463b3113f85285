import { MigrationInterface, QueryRunner } from "typeorm";

export class KeysetIndex1795290000000 implements MigrationInterface {
    name = 'KeysetIndex1795290000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            DROP INDEX "public"."ix_transactions_account_id_transaction_date_id"
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_transactions_user_id_account_id_transaction_date_id" ON "transactions" ("user_id", "account_id", "transaction_date", "id")
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            DROP INDEX "public"."ix_transactions_user_id_account_id_transaction_date_id"
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_transactions_account_id_transaction_date_id" ON "transactions" ("account_id", "transaction_date", "id")
        `);
    }

}
