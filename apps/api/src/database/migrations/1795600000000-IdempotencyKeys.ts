import { MigrationInterface, QueryRunner } from "typeorm";

/** Idempotency-Key (issue 15 §6): each key a principal used on a creating POST, with its request hash and answer; kept 24 hours. */
export class IdempotencyKeys1795600000000 implements MigrationInterface {
    name = 'IdempotencyKeys1795600000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "idempotency_keys" (
                "principal" text NOT NULL,
                "key" text NOT NULL,
                "request_hash" bytea NOT NULL,
                "response_status" integer,
                "response_body" jsonb,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "pk_idempotency_keys" PRIMARY KEY ("principal", "key")
            )
        `);
        await queryRunner.query(`CREATE INDEX "ix_idempotency_keys_created_at" ON "idempotency_keys" ("created_at")`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP INDEX "public"."ix_idempotency_keys_created_at"`);
        await queryRunner.query(`DROP TABLE "idempotency_keys"`);
    }
}
