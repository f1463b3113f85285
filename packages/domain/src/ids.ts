import { Schema } from 'effect';

/** Identifier of a tenant: one client application (backend) integrating Kinko. */
export const TenantId = Schema.String.pipe(Schema.brand('TenantId'));
/** Identifier of a tenant. */
export type TenantId = typeof TenantId.Type;

/** Identifier of an end user of a tenant. */
export const UserId = Schema.String.pipe(Schema.brand('UserId'));
/** Identifier of an end user of a tenant. */
export type UserId = typeof UserId.Type;

/** Identifier of a connection: one user's registration at one bank (Moneytree's "credential"). */
export const ConnectionId = Schema.String.pipe(Schema.brand('ConnectionId'));
/** Identifier of a connection. */
export type ConnectionId = typeof ConnectionId.Type;

/** Identifier of a consent granted by the user to a bank for account information access. */
export const ConsentId = Schema.String.pipe(Schema.brand('ConsentId'));
/** Identifier of a consent. */
export type ConsentId = typeof ConsentId.Type;

/** Identifier of a bank account as Kinko stores it. */
export const AccountId = Schema.String.pipe(Schema.brand('AccountId'));
/** Identifier of a bank account. */
export type AccountId = typeof AccountId.Type;

/** Identifier of a sync session. */
export const SessionId = Schema.String.pipe(Schema.brand('SessionId'));
/** Identifier of a sync session. */
export type SessionId = typeof SessionId.Type;

/** Identifier of a transaction as the bank gives it (unique per account). */
export const TransactionId = Schema.String.pipe(Schema.brand('TransactionId'));
/** Identifier of a transaction as the bank gives it. */
export type TransactionId = typeof TransactionId.Type;
