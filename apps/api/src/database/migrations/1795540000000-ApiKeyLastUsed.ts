import { MigrationInterface, QueryRunner } from "typeorm";

/** API keys (issue 15 §7): when a key last authenticated a request, for the key listing. */
export class ApiKeyLastUsed1795540000000 implements MigrationInterface {
    name = 'ApiKeyLastUsed1795540000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "api_keys" ADD "last_used_at" TIMESTAMP WITH TIME ZONE`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "api_keys" DROP COLUMN "last_used_at"`);
    }
}
