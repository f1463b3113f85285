// Type-level tests (checked by tsc, not run): what connectors return feeds the domain's
// rules without mapping, and the domain's windows are what the app passes to connectors.
import type { BankTransaction, DailyBalance as DomainDailyBalance, DateWindow } from '@kinko/domain';
import type { DailyBalance, FetchWindow, Page, Transaction, TransactionsRequest } from '../../src';

declare const fromConnector: Transaction;
declare const balanceFromConnector: DailyBalance;
declare const domainWindow: DateWindow;
declare const page: Page<Transaction>;

/** A connector's transaction is a domain BankTransaction (reconciliation input). */
export const stored: BankTransaction = fromConnector;
/** A connector's daily balance is a domain DailyBalance. */
export const balance: DomainDailyBalance = balanceFromConnector;
/** The domain's window is a fetch window… */
export const window: FetchWindow = domainWindow;
/** …so the app passes it as the request's window. */
export const request: TransactionsRequest = { bankAccountId: 'a1', kind: domainWindow.kind, window: domainWindow };
/** Pages' items are readonly arrays of transactions the domain accepts. */
export const items: readonly BankTransaction[] = page.items;
