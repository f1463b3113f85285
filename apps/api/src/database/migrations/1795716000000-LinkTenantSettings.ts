import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * The Link pages (issue 16): a tenant's registered return URLs and its look (display name,
 * https logo URL, accent colour); a Link session's return URL and the tenant's `state`.
 */
export class LinkTenantSettings1795716000000 implements MigrationInterface {
    name = 'LinkTenantSettings1795716000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "tenants" ADD "display_name" text`);
        await queryRunner.query(`ALTER TABLE "tenants" ADD "logo_url" text`);
        await queryRunner.query(`ALTER TABLE "tenants" ADD "accent_color" text`);
        await queryRunner.query(`ALTER TABLE "tenants" ADD "return_urls" text array NOT NULL DEFAULT '{}'`);
        await queryRunner.query(`ALTER TABLE "link_page_sessions" ADD "return_uri" text`);
        await queryRunner.query(`ALTER TABLE "link_page_sessions" ADD "return_state" text`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "link_page_sessions" DROP COLUMN "return_state"`);
        await queryRunner.query(`ALTER TABLE "link_page_sessions" DROP COLUMN "return_uri"`);
        await queryRunner.query(`ALTER TABLE "tenants" DROP COLUMN "return_urls"`);
        await queryRunner.query(`ALTER TABLE "tenants" DROP COLUMN "accent_color"`);
        await queryRunner.query(`ALTER TABLE "tenants" DROP COLUMN "logo_url"`);
        await queryRunner.query(`ALTER TABLE "tenants" DROP COLUMN "display_name"`);
    }
}
