import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Issue 19 (statements per session): `kinko_needs_transaction_if(needed)` raises SQLSTATE KN001
 * when `needed` is true (else returns false). A connection's status move that the sync engine
 * sends on its own, without BEGIN/COMMIT around it (one statement is atomic by itself), filters
 * its result with it: true when the move would need more than its statement — a webhook event to write, a deactivation to apply, a move the table does not
 * have: the error rolls the whole statement back (its carried writes too) and the engine runs
 * the move in a transaction instead (connection-status.ts, MoveNeedsTransactionError).
 */
export class MoveNeedsTransaction1797001000000 implements MigrationInterface {
    name = 'MoveNeedsTransaction1797001000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE FUNCTION "kinko_needs_transaction_if"(needed boolean) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
            BEGIN
              IF needed THEN
                RAISE EXCEPTION 'this statement needs a transaction: it is not all the move writes' USING ERRCODE = 'KN001';
              END IF;
              RETURN false;
            END $$
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP FUNCTION "kinko_needs_transaction_if"(boolean)`);
    }
}
