import { Module } from '@nestjs/common';
import { TransactionFeedController } from './transaction-feed.controller';
import { TransactionFeedService } from './transaction-feed.service';
import { TransactionsController } from './transactions.controller';
import { TransactionsService } from './transactions.service';

/** Transactions of the user's accounts (keyset-paginated reads) and their change feed. */
@Module({ controllers: [TransactionsController, TransactionFeedController], providers: [TransactionsService, TransactionFeedService], exports: [TransactionsService] })
export class TransactionsModule {}
