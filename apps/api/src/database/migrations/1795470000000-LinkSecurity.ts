import { MigrationInterface, QueryRunner } from "typeorm";

export class LinkSecurity1795470000000 implements MigrationInterface {
    name = 'LinkSecurity1795470000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "link_page_sessions" (
                "id" uuid NOT NULL,
                "tenant_id" uuid NOT NULL,
                "user_id" uuid NOT NULL,
                "secret_hash" text NOT NULL,
                "exchanged_token_id" text NOT NULL,
                "token_expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "renewed_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "uq_link_page_sessions_exchanged_token_id" UNIQUE ("exchanged_token_id"),
                CONSTRAINT "uq_link_page_sessions_secret_hash" UNIQUE ("secret_hash"),
                CONSTRAINT "pk_link_page_sessions" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            ALTER TABLE "link_page_sessions"
            ADD CONSTRAINT "fk_link_page_sessions_tenant_id_user_id" FOREIGN KEY ("tenant_id", "user_id") REFERENCES "users"("tenant_id", "id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "link_sessions"
            ADD "binding_hash" text
        `);
        await queryRunner.query(`
            ALTER TABLE "link_sessions"
            ADD "browser_bound_at" TIMESTAMP WITH TIME ZONE
        `);
        await queryRunner.query(`
            ALTER TABLE "link_sessions"
            ADD "bank_url_sealed" bytea
        `);
        await queryRunner.query(`
            ALTER TABLE "link_sessions"
            ADD "page_session_id" uuid
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE "link_sessions" DROP COLUMN "page_session_id"
        `);
        await queryRunner.query(`
            ALTER TABLE "link_sessions" DROP COLUMN "bank_url_sealed"
        `);
        await queryRunner.query(`
            ALTER TABLE "link_sessions" DROP COLUMN "browser_bound_at"
        `);
        await queryRunner.query(`
            ALTER TABLE "link_sessions" DROP COLUMN "binding_hash"
        `);
        await queryRunner.query(`
            ALTER TABLE "link_page_sessions" DROP CONSTRAINT "fk_link_page_sessions_tenant_id_user_id"
        `);
        await queryRunner.query(`
            DROP TABLE "link_page_sessions"
        `);
    }

}
