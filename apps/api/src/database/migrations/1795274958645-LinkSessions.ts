import { MigrationInterface, QueryRunner } from "typeorm";

export class LinkSessions1795274958645 implements MigrationInterface {
    name = 'LinkSessions1795274958645'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "link_sessions" (
                "id" uuid NOT NULL,
                "tenant_id" uuid NOT NULL,
                "user_id" uuid NOT NULL,
                "bank_id" text NOT NULL,
                "connector_id" text NOT NULL,
                "state_hash" text NOT NULL,
                "redirect_uri" text NOT NULL,
                "reconnect_connection_id" uuid,
                "verifier_master_key_id" text,
                "verifier_wrapped_data_key" bytea,
                "verifier_nonce" bytea,
                "verifier_ciphertext" bytea,
                "verifier_auth_tag" bytea,
                "status" text NOT NULL,
                "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "used_at" TIMESTAMP WITH TIME ZONE,
                "connection_id" uuid,
                "error" jsonb,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "uq_link_sessions_state_hash" UNIQUE ("state_hash"),
                CONSTRAINT "uq_link_sessions_tenant_id_user_id_id" UNIQUE ("tenant_id", "user_id", "id"),
                CONSTRAINT "ck_link_sessions_status" CHECK ("status" IN ('pending', 'completed', 'failed')),
                CONSTRAINT "pk_link_sessions" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_link_sessions_tenant_id_user_id_created_at" ON "link_sessions" ("tenant_id", "user_id", "created_at")
        `);
        await queryRunner.query(`
            ALTER TABLE "link_sessions"
            ADD CONSTRAINT "fk_link_sessions_tenant_id_user_id_reconnect_connection_id" FOREIGN KEY (
                    "tenant_id",
                    "user_id",
                    "reconnect_connection_id"
                ) REFERENCES "connections"("tenant_id", "user_id", "id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "link_sessions"
            ADD CONSTRAINT "fk_link_sessions_tenant_id_user_id" FOREIGN KEY ("tenant_id", "user_id") REFERENCES "users"("tenant_id", "id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE "link_sessions" DROP CONSTRAINT "fk_link_sessions_tenant_id_user_id"
        `);
        await queryRunner.query(`
            ALTER TABLE "link_sessions" DROP CONSTRAINT "fk_link_sessions_tenant_id_user_id_reconnect_connection_id"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_link_sessions_tenant_id_user_id_created_at"
        `);
        await queryRunner.query(`
            DROP TABLE "link_sessions"
        `);
    }

}
