import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Issue 16 §1, the API connect start: a redirect flow may carry the tenant's return URL (one
 * of its registered `returnUrls`, exactly) and the tenant's `state`; the bank's callback then
 * sends the browser there with the result.
 */
export class ConnectFlowReturn1795750000000 implements MigrationInterface {
    name = 'ConnectFlowReturn1795750000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "connect_flows" ADD "return_uri" text`);
        await queryRunner.query(`ALTER TABLE "connect_flows" ADD "return_state" text`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "connect_flows" DROP COLUMN "return_state"`);
        await queryRunner.query(`ALTER TABLE "connect_flows" DROP COLUMN "return_uri"`);
    }
}
