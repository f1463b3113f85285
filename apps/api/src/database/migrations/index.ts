import type { MigrationInterface } from 'typeorm';
import { Init1795272988850 } from './1795272988850-Init';
import { SyncEngine1795274512803 } from './1795274512803-SyncEngine';
import { LinkSessions1795274958645 } from './1795274958645-LinkSessions';
import { AuthAttempts1795277767420 } from './1795277767420-AuthAttempts';
import { KeysetIndex1795290000000 } from './1795290000000-KeysetIndex';
import { LinkEvidence1795480000000 } from './1795480000000-LinkEvidence';
import { BankOrderWithinDay1795410000000 } from './1795410000000-BankOrderWithinDay';
import { LinkSecurity1795470000000 } from './1795470000000-LinkSecurity';
import { TransactionChangeFeed1795531400000 } from './1795531400000-TransactionChangeFeed';
import { ConnectFlows1795590000000 } from './1795590000000-ConnectFlows';
import { ConsentExpiryWarnings1795560000000 } from './1795560000000-ConsentExpiryWarnings';
import { ApiKeyLastUsed1795540000000 } from './1795540000000-ApiKeyLastUsed';
import { Webhooks1795550000000 } from './1795550000000-Webhooks';
import { IdempotencyKeys1795600000000 } from './1795600000000-IdempotencyKeys';
import { LinkTenantSettings1795716000000 } from './1795716000000-LinkTenantSettings';
import { FeedKindsUserLanguage1795723140000 } from './1795723140000-FeedKindsUserLanguage';
import { SchedulerPlanIndex1795723150000 } from './1795723150000-SchedulerPlanIndex';
import { ConnectionBankId1795740000000 } from './1795740000000-ConnectionBankId';
import { ConnectFlowReturn1795750000000 } from './1795750000000-ConnectFlowReturn';
import { ConsentFrequencyPerDay1795760000000 } from './1795760000000-ConsentFrequencyPerDay';
import { PsuRetention1795770000000 } from './1795770000000-PsuRetention';
import { ListedDate1795781700000 } from './1795781700000-ListedDate';
import { SchedulerNextRefresh1795791900000 } from './1795791900000-SchedulerNextRefresh';
import { SupersededIndex1795792000000 } from './1795792000000-SupersededIndex';
import { FeedLogUserCascade1795792100000 } from './1795792100000-FeedLogUserCascade';
import { BookedBalanceIndex1795792230000 } from './1795792230000-BookedBalanceIndex';
import { FeedLogChangedRowsOnly1795792240000 } from './1795792240000-FeedLogChangedRowsOnly';
import { NotBookedKindIndex1795792250000 } from './1795792250000-NotBookedKindIndex';
import { AccountResultCounts1795792400000 } from './1795792400000-AccountResultCounts';
import { BookedDatedIndex1797000300000 } from './1797000300000-BookedDatedIndex';
import { AccountRowsCheckedPerStatement1797000310000 } from './1797000310000-AccountRowsCheckedPerStatement';
import { DropConnectionsTenantUserIndex1797000100000 } from './1797000100000-DropConnectionsTenantUserIndex';
import { ConnectionSchedules1797000400000 } from './1797000400000-ConnectionSchedules';
import { TransactionsOneInsertTrigger1797000800000 } from './1797000800000-TransactionsOneInsertTrigger';
import { MoveNeedsTransaction1797001000000 } from './1797001000000-MoveNeedsTransaction';

/**
 * Every committed migration, oldest first. Listed explicitly (no glob) so the same list
 * works from TypeScript sources under jest and from dist; a test checks that every file in
 * this folder is listed. Rewritten by `migration:generate`.
 */
export const MIGRATIONS: ReadonlyArray<new () => MigrationInterface> = [Init1795272988850, SyncEngine1795274512803, LinkSessions1795274958645, AuthAttempts1795277767420, KeysetIndex1795290000000, BankOrderWithinDay1795410000000, LinkSecurity1795470000000, LinkEvidence1795480000000, TransactionChangeFeed1795531400000, ApiKeyLastUsed1795540000000, Webhooks1795550000000, ConsentExpiryWarnings1795560000000, ConnectFlows1795590000000, IdempotencyKeys1795600000000, LinkTenantSettings1795716000000, FeedKindsUserLanguage1795723140000, SchedulerPlanIndex1795723150000, ConnectionBankId1795740000000, ConnectFlowReturn1795750000000, ConsentFrequencyPerDay1795760000000, PsuRetention1795770000000, ListedDate1795781700000, SchedulerNextRefresh1795791900000, SupersededIndex1795792000000, FeedLogUserCascade1795792100000, BookedBalanceIndex1795792230000, FeedLogChangedRowsOnly1795792240000, NotBookedKindIndex1795792250000, AccountResultCounts1795792400000, DropConnectionsTenantUserIndex1797000100000, BookedDatedIndex1797000300000, AccountRowsCheckedPerStatement1797000310000, ConnectionSchedules1797000400000, TransactionsOneInsertTrigger1797000800000, MoveNeedsTransaction1797001000000];
