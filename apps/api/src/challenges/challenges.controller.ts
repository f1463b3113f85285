import { Body, Controller, Get, HttpCode, Param, Post, Put, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadGatewayResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { PsuContext } from '@kinko/connector-sdk';
import { Redacted } from 'effect';
import type { FastifyReply } from 'fastify';
import { CurrentPrincipal, CurrentUser, UserApi } from '../auth/auth.decorators';
import { type Principal, actorOf } from '../auth/principal';
import { ApiPsuHeaders, UserPsu } from '../connections/psu-context';
import type { UserScope } from '../database/scoped-data';
import { IdPipe } from '../http/id.pipe';
import { Problem } from '../http/problem';
import { ApiProblems } from '../http/problem-docs';
import { Idempotent } from '../idempotency/idempotency.interceptor';
import { ChallengeAnswerRequest, ChallengeView, CredentialFormView, CredentialsRequest, LoginResultView } from './challenges.dto';
import { CredentialLoginService } from './credential-login.service';

/** The Location of a connection's answer. */
const connectionLocation = (connectionId: string): string => `/api/v2/connections/${connectionId}`;

/** User API: connecting a credentials-flow bank (the form, the credentials). */
@ApiTags('connect')
@UserApi()
@Controller('api/v2/connect/:bankId/credentials')
export class CredentialConnectController {
  constructor(private readonly logins: CredentialLoginService) {}

  @Get()
  @ApiOperation({ operationId: 'getCredentialForm', summary: "A credentials-flow bank's login form", description: 'The fields to ask the user for, with labels in ja/en/pl.' })
  @ApiOkResponse({ type: CredentialFormView })
  @ApiNotFoundResponse({ type: Problem })
  @ApiProblems('redirect-flow-bank', 'connector-not-configured', 'login-form-unreadable')
  async form(@Param('bankId') bankId: string): Promise<CredentialFormView> {
    return CredentialFormView.of(await this.logins.credentialForm(bankId));
  }

  @Post()
  @HttpCode(202)
  // The credentials are in the body: the stored request hash is keyed; a replay answers the first Location too.
  @Idempotent({ secretBody: true, location: (body: LoginResultView) => connectionLocation(body.connectionId) })
  @ApiOperation({
    operationId: 'connectWithCredentials',
    summary: 'Connect a credentials-flow bank',
    description:
      'Creates the connection (running.auth), stores the credentials only encrypted, and starts the login at the bank. Answers at once (202, outcome `running`, ' +
      'header Location: the connection); a slow bank holds no request. Follow GET /api/v2/connections/{id}: the login ends in the first sync (running.* → success), ' +
      'a challenge (suspended.missing-answer.auth.<kind>: GET/POST …/connections/{id}/challenge) or the matching status (e.g. auth.creds.invalid). ' +
      'A field the login form does not have, or none filled in, is a 400 `validation` problem.',
  })
  @ApiAcceptedResponse({ type: LoginResultView })
  @ApiNotFoundResponse({ type: Problem })
  @ApiProblems('redirect-flow-bank', 'connector-not-configured', 'login-form-unreadable', 'login-abandoned')
  @ApiPsuHeaders()
  async connect(
    @CurrentUser() scope: UserScope,
    @CurrentPrincipal() principal: Principal,
    @Param('bankId') bankId: string,
    @Body() body: CredentialsRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @UserPsu() psu: PsuContext,
  ): Promise<LoginResultView> {
    const result = await this.logins.connect(scope, bankId, body.credentials, actorOf(principal), psu);
    void reply.header('location', connectionLocation(result.connectionId));
    return LoginResultView.of(result);
  }
}

/** User API: a connection's challenge, its credentials, logging in again. */
@ApiTags('challenges')
@UserApi()
@Controller('api/v2/connections/:connectionId')
export class ChallengesController {
  constructor(private readonly logins: CredentialLoginService) {}

  @Get('challenge')
  @ApiOperation({
    operationId: 'getChallenge',
    summary: 'The challenge waiting for an answer',
    description: 'Kind, the bank’s question text, the OTP length, the CAPTCHA (or puzzle) picture as base64 and data URL, and the expiry. 404 when none waits.',
  })
  @ApiOkResponse({ type: ChallengeView })
  @ApiNotFoundResponse({ type: Problem })
  async challenge(@CurrentUser() scope: UserScope, @Param('connectionId', new IdPipe('Connection')) connectionId: string): Promise<ChallengeView> {
    return ChallengeView.of(await this.logins.pendingChallenge(scope, connectionId));
  }

  @Post('challenge')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'answerChallenge',
    summary: 'Answer the waiting challenge',
    description:
      'The answer is passed to the bank and never stored. Next: `granted`, another `challenge`, or `failed` (a wrong answer: auth.creds.<kind>.invalid). ' +
      'A puzzle is refused with problem type link-page-only (409): only the Link page can take it. An answer after the expiry is refused (409).',
  })
  @ApiOkResponse({ type: LoginResultView })
  @ApiNotFoundResponse({ type: Problem, description: 'No challenge waits.' })
  @ApiProblems('challenge-expired', 'challenge-unreadable', 'answer-in-progress', 'no-challenge-pending', 'connection-disconnected', 'link-page-only')
  @ApiBadGatewayResponse({ type: Problem })
  @ApiPsuHeaders()
  async answer(
    @CurrentUser() scope: UserScope,
    @Param('connectionId', new IdPipe('Connection')) connectionId: string,
    @Body() body: ChallengeAnswerRequest,
    @UserPsu() psu: PsuContext,
  ): Promise<LoginResultView> {
    return LoginResultView.of(await this.logins.answer(scope, connectionId, Redacted.make(body.answer), 'api', psu));
  }

  @Put('credentials')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'reenterCredentials',
    summary: 'Re-enter the credentials and log in again',
    description: 'After auth.creds.invalid (changed at the bank), a lock, or any settled status: the new credentials replace the stored ones (encrypted) and a new login starts.',
  })
  @ApiOkResponse({ type: LoginResultView })
  @ApiNotFoundResponse({ type: Problem })
  @ApiProblems('redirect-flow-bank', 'connector-not-configured', 'login-form-unreadable', 'login-in-progress', 'connection-inactive', 'run-in-progress', 'login-abandoned')
  @ApiPsuHeaders()
  async reenter(
    @CurrentUser() scope: UserScope,
    @CurrentPrincipal() principal: Principal,
    @Param('connectionId', new IdPipe('Connection')) connectionId: string,
    @Body() body: CredentialsRequest,
    @UserPsu() psu: PsuContext,
  ): Promise<LoginResultView> {
    return LoginResultView.of(await this.logins.reenterCredentials(scope, connectionId, body.credentials, actorOf(principal), psu));
  }

  @Post('login')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'loginAgain',
    summary: 'Log in again with the stored credentials',
    description: 'After a wrong or late answer, maintenance or a lock that has passed: a new login, which may raise a new challenge.',
  })
  @ApiOkResponse({ type: LoginResultView })
  @ApiNotFoundResponse({ type: Problem })
  @ApiProblems('redirect-flow-bank', 'connector-not-configured', 'credentials-missing', 'login-in-progress', 'connection-inactive', 'run-in-progress', 'login-abandoned')
  @ApiPsuHeaders()
  async loginAgain(
    @CurrentUser() scope: UserScope,
    @CurrentPrincipal() principal: Principal,
    @Param('connectionId', new IdPipe('Connection')) connectionId: string,
    @UserPsu() psu: PsuContext,
  ): Promise<LoginResultView> {
    return LoginResultView.of(await this.logins.loginAgain(scope, connectionId, actorOf(principal), psu));
  }
}
