import { MigrationInterface, QueryRunner } from "typeorm";

export class AuthAttempts1795277767420 implements MigrationInterface {
    name = 'AuthAttempts1795277767420'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "auth_attempts" (
                "id" uuid NOT NULL,
                "tenant_id" uuid NOT NULL,
                "user_id" uuid NOT NULL,
                "connection_id" uuid NOT NULL,
                "connector_id" text NOT NULL,
                "phase" text NOT NULL,
                "challenge_kind" text,
                "step" integer NOT NULL DEFAULT '0',
                "master_key_id" text,
                "wrapped_data_key" bytea,
                "nonce" bytea,
                "ciphertext" bytea,
                "auth_tag" bytea,
                "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "uq_auth_attempts_tenant_id_user_id_id" UNIQUE ("tenant_id", "user_id", "id"),
                CONSTRAINT "uq_auth_attempts_connection_id" UNIQUE ("connection_id"),
                CONSTRAINT "ck_auth_attempts_challenge_kind" CHECK (
                    "challenge_kind" IS NULL
                    OR "challenge_kind" IN ('security', 'otp', 'captcha', 'puzzle')
                ),
                CONSTRAINT "ck_auth_attempts_phase" CHECK ("phase" IN ('bank', 'waiting')),
                CONSTRAINT "pk_auth_attempts" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_auth_attempts_phase_expires_at" ON "auth_attempts" ("phase", "expires_at")
        `);
        await queryRunner.query(`
            ALTER TABLE "auth_attempts"
            ADD CONSTRAINT "fk_auth_attempts_tenant_id_user_id_connection_id" FOREIGN KEY ("tenant_id", "user_id", "connection_id") REFERENCES "connections"("tenant_id", "user_id", "id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE "auth_attempts" DROP CONSTRAINT "fk_auth_attempts_tenant_id_user_id_connection_id"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_auth_attempts_phase_expires_at"
        `);
        await queryRunner.query(`
            DROP TABLE "auth_attempts"
        `);
    }

}
