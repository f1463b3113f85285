import type { Clock } from '@kinko/connector-sdk';
import { Controller, Delete, Get, Param } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, CurrentUser, UserApi } from '../auth/auth.decorators';
import { type Principal, actorOf } from '../auth/principal';
import { InjectClock } from '../common/clock';
import type { UserScope } from '../database/scoped-data';
import { IdPipe } from '../http/id.pipe';
import { Problem } from '../http/problem';
import { ApiProblems } from '../http/problem-docs';
import { ConsentView, WithdrawalView } from './consent.dto';
import { ConsentsService } from './consents.service';

/** User API: the user's consents, and withdrawing one (the seed's DELETE consent). */
@ApiTags('consents')
@UserApi()
@Controller('api/v2/consents')
export class ConsentsController {
  constructor(
    private readonly consents: ConsentsService,
    @InjectClock() private readonly clock: Clock,
  ) {}

  @Get()
  @ApiOperation({ operationId: 'listConsents', summary: "The user's consents, newest first", description: 'A consent past its expiration is shown (and stored) as expired, reason Expired.' })
  @ApiOkResponse({ type: [ConsentView] })
  async list(@CurrentUser() scope: UserScope): Promise<ConsentView[]> {
    return (await this.consents.list(scope)).map((c) => ConsentView.of(c, this.clock.now()));
  }

  @Get(':consentId')
  @ApiOperation({ operationId: 'getConsent', summary: 'One consent' })
  @ApiOkResponse({ type: ConsentView })
  @ApiNotFoundResponse({ type: Problem })
  async get(@CurrentUser() scope: UserScope, @Param('consentId', new IdPipe('Consent')) consentId: string): Promise<ConsentView> {
    return ConsentView.of(await this.consents.get(scope, consentId), this.clock.now());
  }

  @Delete(':consentId')
  @ApiOperation({
    operationId: 'withdrawConsent',
    summary: 'Withdraw a consent (DEAUTHORIZED)',
    description:
      'Revokes the grant at the bank, deletes the stored grant, marks the consent revokedByUser (reason RevokedByUser, previous status kept) ' +
      'and its accounts inactive: they are no longer listed by GET /api/v2/bankaccount; their data is kept. The connection stops being aggregated. ' +
      'Withdrawing again answers the same.',
  })
  @ApiOkResponse({ type: WithdrawalView })
  @ApiNotFoundResponse({ type: Problem })
  @ApiProblems('consent-not-withdrawable')
  async withdraw(@CurrentUser() scope: UserScope, @CurrentPrincipal() principal: Principal, @Param('consentId', new IdPipe('Consent')) consentId: string): Promise<WithdrawalView> {
    const w = await this.consents.withdraw(scope, consentId, actorOf(principal));
    return { consent: ConsentView.of(w.consent, this.clock.now()), bankRevocation: w.bankRevocation };
  }
}
