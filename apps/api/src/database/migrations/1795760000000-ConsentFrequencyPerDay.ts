import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * The unattended accesses per day the bank agreed for the consent (Berlin Group
 * `frequencyPerDay`, from the connector's consent facts), so that the quota the API shows
 * reads the same budget the sync engine counts with. Null: the bank agreed nothing of its
 * own (the connector manifest's limit applies).
 */
export class ConsentFrequencyPerDay1795760000000 implements MigrationInterface {
    name = 'ConsentFrequencyPerDay1795760000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "consents" ADD "frequency_per_day" integer`);
        await queryRunner.query(`ALTER TABLE "consents" ADD CONSTRAINT "ck_consents_frequency_per_day" CHECK ("frequency_per_day" IS NULL OR "frequency_per_day" >= 1)`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "consents" DROP CONSTRAINT "ck_consents_frequency_per_day"`);
        await queryRunner.query(`ALTER TABLE "consents" DROP COLUMN "frequency_per_day"`);
    }
}
