import { Module } from '@nestjs/common';
import { ConsentsModule } from '../consents/consents.module';
import { BankAccountController } from './accounts.controller';
import { AccountsService } from './accounts.service';

/** Bank accounts: the seed's account listing (`GET /api/v2/bankaccount`). */
@Module({
  imports: [ConsentsModule],
  controllers: [BankAccountController],
  providers: [AccountsService],
  exports: [AccountsService],
})
export class AccountsModule {}
