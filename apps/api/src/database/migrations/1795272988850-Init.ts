import { MigrationInterface, QueryRunner } from "typeorm";

export class Init1795272988850 implements MigrationInterface {
    name = 'Init1795272988850'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            CREATE TABLE "tenants" (
                "id" uuid NOT NULL,
                "name" text NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "pk_tenants" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE TABLE "users" (
                "id" uuid NOT NULL,
                "tenant_id" uuid NOT NULL,
                "external_id" text NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "uq_users_tenant_id_id" UNIQUE ("tenant_id", "id"),
                CONSTRAINT "uq_users_tenant_id_external_id" UNIQUE ("tenant_id", "external_id"),
                CONSTRAINT "pk_users" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE TABLE "connections" (
                "id" uuid NOT NULL,
                "tenant_id" uuid NOT NULL,
                "user_id" uuid NOT NULL,
                "connector_id" text NOT NULL,
                "bank_id" text,
                "aggregation_status" text NOT NULL,
                "aggregation_status_changed_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "last_success_at" TIMESTAMP WITH TIME ZONE,
                "deactivated" boolean NOT NULL DEFAULT false,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "uq_connections_tenant_id_user_id_id" UNIQUE ("tenant_id", "user_id", "id"),
                CONSTRAINT "pk_connections" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_connections_tenant_id_user_id" ON "connections" ("tenant_id", "user_id")
        `);
        await queryRunner.query(`
            CREATE TABLE "consents" (
                "id" uuid NOT NULL,
                "tenant_id" uuid NOT NULL,
                "user_id" uuid NOT NULL,
                "connection_id" uuid NOT NULL,
                "external_id" text,
                "status" text NOT NULL,
                "invalidation_reason" text,
                "previous_status" text,
                "create_date" TIMESTAMP WITH TIME ZONE NOT NULL,
                "expiration_date" TIMESTAMP WITH TIME ZONE,
                "max_history_days" integer NOT NULL,
                "scope" jsonb NOT NULL DEFAULT '{}',
                "last_sca_at" TIMESTAMP WITH TIME ZONE,
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "uq_consents_tenant_id_user_id_id" UNIQUE ("tenant_id", "user_id", "id"),
                CONSTRAINT "ck_consents_max_history_days" CHECK (
                    "max_history_days" BETWEEN 1 AND 1460
                ),
                CONSTRAINT "pk_consents" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_consents_connection_id" ON "consents" ("connection_id")
        `);
        await queryRunner.query(`
            CREATE TABLE "bank_accounts" (
                "id" uuid NOT NULL,
                "tenant_id" uuid NOT NULL,
                "user_id" uuid NOT NULL,
                "connection_id" uuid NOT NULL,
                "consent_id" uuid,
                "bank_account_id" text NOT NULL,
                "iban" text,
                "account_number" text,
                "currency_code" text NOT NULL,
                "holder_info" text,
                "holder_type" text,
                "is_business" boolean NOT NULL DEFAULT false,
                "name" text,
                "type" text,
                "type_name" text,
                "provider_type" text NOT NULL DEFAULT 'api',
                "import_date" TIMESTAMP WITH TIME ZONE NOT NULL,
                "last_sync_date" TIMESTAMP WITH TIME ZONE,
                "last_transaction_date" date,
                "sync_error" jsonb,
                "sync_execution_id" uuid,
                "sync_status" text NOT NULL DEFAULT 'active',
                "transaction_sync_date" TIMESTAMP WITH TIME ZONE,
                "transaction_sync_status" text,
                "is_active" boolean NOT NULL DEFAULT true,
                "raw" jsonb NOT NULL DEFAULT '{}',
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "uq_bank_accounts_connection_id_bank_account_id" UNIQUE ("connection_id", "bank_account_id"),
                CONSTRAINT "uq_bank_accounts_tenant_id_user_id_id" UNIQUE ("tenant_id", "user_id", "id"),
                CONSTRAINT "pk_bank_accounts" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_bank_accounts_consent_id" ON "bank_accounts" ("consent_id")
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_bank_accounts_tenant_id_user_id" ON "bank_accounts" ("tenant_id", "user_id")
        `);
        await queryRunner.query(`
            CREATE TABLE "audit_log" (
                "id" BIGSERIAL NOT NULL,
                "occurred_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "tenant_id" uuid,
                "actor" text NOT NULL,
                "action" text NOT NULL,
                "target" text,
                "details" jsonb NOT NULL DEFAULT '{}',
                CONSTRAINT "pk_audit_log" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_audit_log_action_occurred_at" ON "audit_log" ("action", "occurred_at")
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_audit_log_tenant_id_occurred_at" ON "audit_log" ("tenant_id", "occurred_at")
        `);
        await queryRunner.query(`
            CREATE TABLE "daily_balances" (
                "account_id" uuid NOT NULL,
                "date" date NOT NULL,
                "tenant_id" uuid NOT NULL,
                "user_id" uuid NOT NULL,
                "balance_minor" bigint NOT NULL,
                "currency_code" text NOT NULL,
                "source" text NOT NULL,
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "pk_daily_balances" PRIMARY KEY ("account_id", "date")
            )
        `);
        await queryRunner.query(`
            CREATE TABLE "connection_status_history" (
                "id" BIGSERIAL NOT NULL,
                "tenant_id" uuid NOT NULL,
                "user_id" uuid NOT NULL,
                "connection_id" uuid NOT NULL,
                "previous_status" text,
                "status" text NOT NULL,
                "changed_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "session_id" uuid,
                CONSTRAINT "pk_connection_status_history" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_connection_status_history_connection_id_changed_at" ON "connection_status_history" ("connection_id", "changed_at")
        `);
        await queryRunner.query(`
            CREATE TABLE "connection_secrets" (
                "id" uuid NOT NULL,
                "tenant_id" uuid NOT NULL,
                "user_id" uuid NOT NULL,
                "connection_id" uuid NOT NULL,
                "kind" text NOT NULL,
                "master_key_id" text NOT NULL,
                "wrapped_data_key" bytea NOT NULL,
                "nonce" bytea NOT NULL,
                "ciphertext" bytea NOT NULL,
                "auth_tag" bytea NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "wrapped_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                CONSTRAINT "uq_connection_secrets_connection_id_kind" UNIQUE ("connection_id", "kind"),
                CONSTRAINT "ck_connection_secrets_kind" CHECK ("kind" IN ('grant', 'credentials')),
                CONSTRAINT "pk_connection_secrets" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_connection_secrets_master_key_id" ON "connection_secrets" ("master_key_id")
        `);
        await queryRunner.query(`
            CREATE TABLE "sync_sessions" (
                "id" uuid NOT NULL,
                "tenant_id" uuid NOT NULL,
                "user_id" uuid NOT NULL,
                "connection_id" uuid NOT NULL,
                "status" text NOT NULL,
                "requested_by" text NOT NULL,
                "parameters" jsonb NOT NULL DEFAULT '{}',
                "error" jsonb,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "started_at" TIMESTAMP WITH TIME ZONE,
                "finished_at" TIMESTAMP WITH TIME ZONE,
                CONSTRAINT "uq_sync_sessions_tenant_id_user_id_id" UNIQUE ("tenant_id", "user_id", "id"),
                CONSTRAINT "ck_sync_sessions_requested_by" CHECK (
                    "requested_by" IN ('user', 'tenant', 'scheduler')
                ),
                CONSTRAINT "pk_sync_sessions" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_sync_sessions_connection_id_created_at" ON "sync_sessions" ("connection_id", "created_at")
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_sync_sessions_tenant_id_user_id_created_at" ON "sync_sessions" ("tenant_id", "user_id", "created_at")
        `);
        await queryRunner.query(`
            CREATE TABLE "sync_account_results" (
                "session_id" uuid NOT NULL,
                "account_id" uuid NOT NULL,
                "tenant_id" uuid NOT NULL,
                "user_id" uuid NOT NULL,
                "outcome" jsonb NOT NULL,
                "recorded_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                CONSTRAINT "pk_sync_account_results" PRIMARY KEY ("session_id", "account_id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_sync_account_results_account_id" ON "sync_account_results" ("account_id")
        `);
        await queryRunner.query(`
            CREATE TABLE "sync_stages" (
                "session_id" uuid NOT NULL,
                "stage" text NOT NULL,
                "tenant_id" uuid NOT NULL,
                "user_id" uuid NOT NULL,
                "status" text NOT NULL,
                "counts" jsonb NOT NULL DEFAULT '{}',
                "started_at" TIMESTAMP WITH TIME ZONE,
                "finished_at" TIMESTAMP WITH TIME ZONE,
                "error" jsonb,
                CONSTRAINT "pk_sync_stages" PRIMARY KEY ("session_id", "stage")
            )
        `);
        await queryRunner.query(`
            CREATE TABLE "unattended_accesses" (
                "id" BIGSERIAL NOT NULL,
                "tenant_id" uuid NOT NULL,
                "user_id" uuid NOT NULL,
                "account_id" uuid NOT NULL,
                "accessed_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "session_id" uuid,
                CONSTRAINT "pk_unattended_accesses" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_unattended_accesses_account_id_accessed_at" ON "unattended_accesses" ("account_id", "accessed_at")
        `);
        await queryRunner.query(`
            CREATE TABLE "api_keys" (
                "id" uuid NOT NULL,
                "tenant_id" uuid NOT NULL,
                "prefix" text NOT NULL,
                "secret_hash" bytea NOT NULL,
                "label" text NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "revoked_at" TIMESTAMP WITH TIME ZONE,
                CONSTRAINT "pk_api_keys" PRIMARY KEY ("id")
            )
        `);
        await queryRunner.query(`
            CREATE UNIQUE INDEX "ix_api_keys_prefix" ON "api_keys" ("prefix")
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_api_keys_tenant_id" ON "api_keys" ("tenant_id")
        `);
        await queryRunner.query(`
            CREATE TABLE "transactions" (
                "user_id" uuid NOT NULL,
                "account_id" uuid NOT NULL,
                "id" uuid NOT NULL,
                "tenant_id" uuid NOT NULL,
                "bank_transaction_id" text NOT NULL,
                "kind" text NOT NULL,
                "transaction_date" date NOT NULL,
                "booking_date" date,
                "amount_minor" bigint NOT NULL,
                "currency_code" text NOT NULL,
                "description" text NOT NULL DEFAULT '',
                "balance_after_minor" bigint,
                "bank_reference" text,
                "linked_booked_id" uuid,
                "flags" text array NOT NULL DEFAULT '{}',
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "last_fetched_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                CONSTRAINT "uq_transactions_user_id_account_id_bank_transaction_id" UNIQUE ("user_id", "account_id", "bank_transaction_id"),
                CONSTRAINT "ck_transactions_kind" CHECK (
                    "kind" IN (
                        'booked',
                        'pending',
                        'hold',
                        'scheduled',
                        'rejected',
                        'cancelled'
                    )
                ),
                CONSTRAINT "pk_transactions" PRIMARY KEY ("user_id", "account_id", "id")
            )
        `);
        await queryRunner.query(`
            CREATE INDEX "ix_transactions_account_id_transaction_date_id" ON "transactions" ("account_id", "transaction_date", "id")
        `);
        await queryRunner.query(`
            ALTER TABLE "users"
            ADD CONSTRAINT "fk_users_tenant_id" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "connections"
            ADD CONSTRAINT "fk_connections_tenant_id_user_id" FOREIGN KEY ("tenant_id", "user_id") REFERENCES "users"("tenant_id", "id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "consents"
            ADD CONSTRAINT "fk_consents_tenant_id_user_id_connection_id" FOREIGN KEY ("tenant_id", "user_id", "connection_id") REFERENCES "connections"("tenant_id", "user_id", "id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "bank_accounts"
            ADD CONSTRAINT "fk_bank_accounts_tenant_id_user_id_consent_id" FOREIGN KEY ("tenant_id", "user_id", "consent_id") REFERENCES "consents"("tenant_id", "user_id", "id") ON DELETE NO ACTION ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "bank_accounts"
            ADD CONSTRAINT "fk_bank_accounts_tenant_id_user_id_connection_id" FOREIGN KEY ("tenant_id", "user_id", "connection_id") REFERENCES "connections"("tenant_id", "user_id", "id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "daily_balances"
            ADD CONSTRAINT "fk_daily_balances_tenant_id_user_id_account_id" FOREIGN KEY ("tenant_id", "user_id", "account_id") REFERENCES "bank_accounts"("tenant_id", "user_id", "id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "connection_status_history"
            ADD CONSTRAINT "fk_connection_status_history_tenant_id_user_id_connection_id" FOREIGN KEY ("tenant_id", "user_id", "connection_id") REFERENCES "connections"("tenant_id", "user_id", "id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "connection_secrets"
            ADD CONSTRAINT "fk_connection_secrets_tenant_id_user_id_connection_id" FOREIGN KEY ("tenant_id", "user_id", "connection_id") REFERENCES "connections"("tenant_id", "user_id", "id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "sync_sessions"
            ADD CONSTRAINT "fk_sync_sessions_tenant_id_user_id_connection_id" FOREIGN KEY ("tenant_id", "user_id", "connection_id") REFERENCES "connections"("tenant_id", "user_id", "id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "sync_account_results"
            ADD CONSTRAINT "fk_sync_account_results_tenant_id_user_id_account_id" FOREIGN KEY ("tenant_id", "user_id", "account_id") REFERENCES "bank_accounts"("tenant_id", "user_id", "id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "sync_account_results"
            ADD CONSTRAINT "fk_sync_account_results_tenant_id_user_id_session_id" FOREIGN KEY ("tenant_id", "user_id", "session_id") REFERENCES "sync_sessions"("tenant_id", "user_id", "id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "sync_stages"
            ADD CONSTRAINT "fk_sync_stages_tenant_id_user_id_session_id" FOREIGN KEY ("tenant_id", "user_id", "session_id") REFERENCES "sync_sessions"("tenant_id", "user_id", "id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "unattended_accesses"
            ADD CONSTRAINT "fk_unattended_accesses_tenant_id_user_id_account_id" FOREIGN KEY ("tenant_id", "user_id", "account_id") REFERENCES "bank_accounts"("tenant_id", "user_id", "id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "api_keys"
            ADD CONSTRAINT "fk_api_keys_tenant_id" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "transactions"
            ADD CONSTRAINT "fk_transactions_user_id_account_id_linked_booked_id" FOREIGN KEY ("user_id", "account_id", "linked_booked_id") REFERENCES "transactions"("user_id", "account_id", "id") ON DELETE NO ACTION ON UPDATE NO ACTION
        `);
        await queryRunner.query(`
            ALTER TABLE "transactions"
            ADD CONSTRAINT "fk_transactions_tenant_id_user_id_account_id" FOREIGN KEY ("tenant_id", "user_id", "account_id") REFERENCES "bank_accounts"("tenant_id", "user_id", "id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`
            ALTER TABLE "transactions" DROP CONSTRAINT "fk_transactions_tenant_id_user_id_account_id"
        `);
        await queryRunner.query(`
            ALTER TABLE "transactions" DROP CONSTRAINT "fk_transactions_user_id_account_id_linked_booked_id"
        `);
        await queryRunner.query(`
            ALTER TABLE "api_keys" DROP CONSTRAINT "fk_api_keys_tenant_id"
        `);
        await queryRunner.query(`
            ALTER TABLE "unattended_accesses" DROP CONSTRAINT "fk_unattended_accesses_tenant_id_user_id_account_id"
        `);
        await queryRunner.query(`
            ALTER TABLE "sync_stages" DROP CONSTRAINT "fk_sync_stages_tenant_id_user_id_session_id"
        `);
        await queryRunner.query(`
            ALTER TABLE "sync_account_results" DROP CONSTRAINT "fk_sync_account_results_tenant_id_user_id_session_id"
        `);
        await queryRunner.query(`
            ALTER TABLE "sync_account_results" DROP CONSTRAINT "fk_sync_account_results_tenant_id_user_id_account_id"
        `);
        await queryRunner.query(`
            ALTER TABLE "sync_sessions" DROP CONSTRAINT "fk_sync_sessions_tenant_id_user_id_connection_id"
        `);
        await queryRunner.query(`
            ALTER TABLE "connection_secrets" DROP CONSTRAINT "fk_connection_secrets_tenant_id_user_id_connection_id"
        `);
        await queryRunner.query(`
            ALTER TABLE "connection_status_history" DROP CONSTRAINT "fk_connection_status_history_tenant_id_user_id_connection_id"
        `);
        await queryRunner.query(`
            ALTER TABLE "daily_balances" DROP CONSTRAINT "fk_daily_balances_tenant_id_user_id_account_id"
        `);
        await queryRunner.query(`
            ALTER TABLE "bank_accounts" DROP CONSTRAINT "fk_bank_accounts_tenant_id_user_id_connection_id"
        `);
        await queryRunner.query(`
            ALTER TABLE "bank_accounts" DROP CONSTRAINT "fk_bank_accounts_tenant_id_user_id_consent_id"
        `);
        await queryRunner.query(`
            ALTER TABLE "consents" DROP CONSTRAINT "fk_consents_tenant_id_user_id_connection_id"
        `);
        await queryRunner.query(`
            ALTER TABLE "connections" DROP CONSTRAINT "fk_connections_tenant_id_user_id"
        `);
        await queryRunner.query(`
            ALTER TABLE "users" DROP CONSTRAINT "fk_users_tenant_id"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_transactions_account_id_transaction_date_id"
        `);
        await queryRunner.query(`
            DROP TABLE "transactions"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_api_keys_tenant_id"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_api_keys_prefix"
        `);
        await queryRunner.query(`
            DROP TABLE "api_keys"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_unattended_accesses_account_id_accessed_at"
        `);
        await queryRunner.query(`
            DROP TABLE "unattended_accesses"
        `);
        await queryRunner.query(`
            DROP TABLE "sync_stages"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_sync_account_results_account_id"
        `);
        await queryRunner.query(`
            DROP TABLE "sync_account_results"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_sync_sessions_tenant_id_user_id_created_at"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_sync_sessions_connection_id_created_at"
        `);
        await queryRunner.query(`
            DROP TABLE "sync_sessions"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_connection_secrets_master_key_id"
        `);
        await queryRunner.query(`
            DROP TABLE "connection_secrets"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_connection_status_history_connection_id_changed_at"
        `);
        await queryRunner.query(`
            DROP TABLE "connection_status_history"
        `);
        await queryRunner.query(`
            DROP TABLE "daily_balances"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_audit_log_tenant_id_occurred_at"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_audit_log_action_occurred_at"
        `);
        await queryRunner.query(`
            DROP TABLE "audit_log"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_bank_accounts_tenant_id_user_id"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_bank_accounts_consent_id"
        `);
        await queryRunner.query(`
            DROP TABLE "bank_accounts"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_consents_connection_id"
        `);
        await queryRunner.query(`
            DROP TABLE "consents"
        `);
        await queryRunner.query(`
            DROP INDEX "public"."ix_connections_tenant_id_user_id"
        `);
        await queryRunner.query(`
            DROP TABLE "connections"
        `);
        await queryRunner.query(`
            DROP TABLE "users"
        `);
        await queryRunner.query(`
            DROP TABLE "tenants"
        `);
    }

}
