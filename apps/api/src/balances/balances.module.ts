import { Module } from '@nestjs/common';
import { BalancesController } from './balances.controller';
import { BalancesService } from './balances.service';

/** Daily balances of the user's accounts. */
@Module({ controllers: [BalancesController], providers: [BalancesService], exports: [BalancesService] })
export class BalancesModule {}
