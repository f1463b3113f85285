import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One word per concept (issue 13 §4): the rows of the redirect flow's attempts were "link
 * sessions", the same words as the Link pages' browser sessions (`link_page_sessions`). They
 * are connect flows: the table, its constraints and index, and the audit targets of the bank
 * calls made for them (`link_session:<id>` → `connect_flow:<id>`) are renamed.
 */
export class ConnectFlows1795590000000 implements MigrationInterface {
  name = 'ConnectFlows1795590000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await this.rename(queryRunner, 'link_sessions', 'connect_flows');
    await queryRunner.query(`UPDATE "audit_log" SET "target" = 'connect_flow:' || substr("target", 14) WHERE "target" LIKE 'link\\_session:%'`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`UPDATE "audit_log" SET "target" = 'link_session:' || substr("target", 14) WHERE "target" LIKE 'connect\\_flow:%'`);
    await this.rename(queryRunner, 'connect_flows', 'link_sessions');
  }

  private async rename(queryRunner: QueryRunner, from: string, to: string): Promise<void> {
    await queryRunner.query(`ALTER TABLE "${from}" RENAME TO "${to}"`);
    for (const name of ['pk_%', 'uq_%_state_hash', 'uq_%_tenant_id_user_id_id', 'ck_%_status', 'fk_%_tenant_id_user_id_reconnect_connection_id', 'fk_%_tenant_id_user_id']) {
      await queryRunner.query(`ALTER TABLE "${to}" RENAME CONSTRAINT "${name.replace('%', from)}" TO "${name.replace('%', to)}"`);
    }
    await queryRunner.query(`ALTER INDEX "ix_${from}_tenant_id_user_id_created_at" RENAME TO "ix_${to}_tenant_id_user_id_created_at"`);
    // PostgreSQL names a column's NOT NULL constraint after the table it was created in.
    const notNulls = (await queryRunner.query(`SELECT conname FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'n' AND starts_with(conname, $2)`, [to, `${from}_`])) as Array<{ conname: string }>;
    for (const { conname } of notNulls) await queryRunner.query(`ALTER TABLE "${to}" RENAME CONSTRAINT "${conname}" TO "${to}_${conname.slice(from.length + 1)}"`);
  }
}
