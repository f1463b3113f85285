import { Module } from '@nestjs/common';
import { ChallengeSweeper } from './challenge-sweeper';
import { ChallengesController, CredentialConnectController } from './challenges.controller';
import { CredentialLoginService } from './credential-login.service';

/**
 * Credentials-flow connections and their challenges: the credential connect, answers
 * passed to the bank (never stored), re-entering credentials, and the sweeper that times
 * out unanswered challenges.
 */
@Module({
  controllers: [CredentialConnectController, ChallengesController],
  providers: [CredentialLoginService, ChallengeSweeper],
  exports: [CredentialLoginService, ChallengeSweeper],
})
export class ChallengesModule {}
