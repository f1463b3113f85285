import { MigrationInterface, QueryRunner } from "typeorm";

/** Consent-expiry warnings (issue 14 §3): which of the 14/7/1-day warnings were sent per consent. */
export class ConsentExpiryWarnings1795560000000 implements MigrationInterface {
    name = 'ConsentExpiryWarnings1795560000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "consent_expiry_warnings" (
                "consent_id" uuid NOT NULL,
                "days_before" smallint NOT NULL,
                "tenant_id" uuid NOT NULL,
                "user_id" uuid NOT NULL,
                "sent_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                CONSTRAINT "pk_consent_expiry_warnings" PRIMARY KEY ("consent_id", "days_before")
            )
        `);
        await queryRunner.query(`
            ALTER TABLE "consent_expiry_warnings"
            ADD CONSTRAINT "fk_consent_expiry_warnings_tenant_id_user_id_consent_id" FOREIGN KEY ("tenant_id", "user_id", "consent_id") REFERENCES "consents"("tenant_id", "user_id", "id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP TABLE "consent_expiry_warnings"`);
    }
}
