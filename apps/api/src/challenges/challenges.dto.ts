import { type CredentialInputMode, credentialInputModes } from '@kinko/connector-sdk';
import { challengeKinds } from '@kinko/domain';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsObject, IsString, Length } from 'class-validator';
import { LINK_PATHS } from '../link/link-paths';
import type { CredentialForm, LoginResult, PendingChallenge } from './credential-login.service';
import { MAX_ANSWER_LENGTH } from './credential-login.service';
import { ANSWER_CHANNELS, LOGIN_OUTCOME_TYPES } from './login-types';

/** Texts in the three label languages. */
export class LocalizedTextView {
  @ApiProperty({ example: 'ログインID' })
  ja!: string;

  @ApiProperty({ example: 'Login ID' })
  en!: string;

  @ApiProperty({ example: 'Identyfikator logowania' })
  pl!: string;
}

/** One field of a bank's login form. */
export class CredentialFieldView {
  @ApiProperty({ example: 'userId', description: 'The key to send the value under in `credentials`.' })
  name!: string;

  @ApiProperty({ type: LocalizedTextView })
  label!: LocalizedTextView;

  @ApiProperty({ description: 'Show as a password input.' })
  secret!: boolean;

  @ApiPropertyOptional({ enum: [...credentialInputModes] })
  inputMode?: CredentialInputMode;
}

/** The login form of a credentials-flow bank. */
export class CredentialFormView {
  @ApiProperty()
  bankId!: string;

  @ApiProperty({ type: [CredentialFieldView] })
  fields!: CredentialFieldView[];

  static of(form: CredentialForm): CredentialFormView {
    return { bankId: form.bankId, fields: form.fields.map((f) => ({ name: f.name, label: { ...f.label }, secret: f.secret, ...(f.inputMode ? { inputMode: f.inputMode } : {}) })) };
  }
}

/** The user's credentials for a bank, as its login form names them. Sent over HTTPS in the body only; stored only encrypted. */
export class CredentialsRequest {
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { userId: 'happy', password: 'pass-happy' },
    description: 'Field name → value (see GET /api/v2/connect/{bankId}/credentials).',
  })
  @IsObject()
  credentials!: Record<string, string>;
}

/** The user's answer to the waiting challenge. Passed to the bank, never stored. */
export class ChallengeAnswerRequest {
  @ApiProperty({ example: '123456', description: 'The OTP, the CAPTCHA text or the secret answer (a puzzle is answered only on the Link page).' })
  @IsString()
  @Length(1, MAX_ANSWER_LENGTH)
  answer!: string;
}

/** A picture of a challenge (CAPTCHA, puzzle). */
export class ChallengeImageView {
  @ApiProperty({ example: 'image/png' })
  mediaType!: string;

  @ApiProperty({ description: 'The picture, base64.' })
  base64!: string;

  @ApiProperty({ description: 'The same as a data URL, ready for an <img src>.' })
  dataUrl!: string;
}

/** A challenge waiting for the user's answer. */
export class ChallengeView {
  @ApiProperty()
  connectionId!: string;

  @ApiProperty({ enum: [...challengeKinds] })
  kind!: string;

  @ApiProperty({ description: "The bank's question or instruction, as the bank wrote it (e.g. the secret question)." })
  prompt!: string;

  @ApiProperty({ type: Number, nullable: true, description: 'Digits of an OTP, when the bank says.' })
  length!: number | null;

  @ApiProperty({ type: ChallengeImageView, nullable: true, description: 'The CAPTCHA or puzzle picture.' })
  image!: ChallengeImageView | null;

  @ApiProperty({ description: 'The answer must arrive before this; then the connection ends in the matching auth.creds.*.invalid.' })
  expiresAt!: string;

  @ApiProperty({ description: 'Which challenge of this login it is (a second one may follow).' })
  step!: number;

  @ApiProperty({ enum: [...ANSWER_CHANNELS], description: '`link-page`: a puzzle, which only a person on the Link page can solve.' })
  answerVia!: string;

  @ApiProperty({ description: 'The Link page where the user can answer it.' })
  linkPath!: string;

  static of(c: PendingChallenge): ChallengeView {
    return {
      connectionId: c.connectionId,
      kind: c.kind,
      prompt: c.prompt,
      length: c.length ?? null,
      image: c.image ? { mediaType: c.image.mediaType, base64: c.image.base64, dataUrl: `data:${c.image.mediaType};base64,${c.image.base64}` } : null,
      expiresAt: c.expiresAt.toISOString(),
      step: c.step,
      answerVia: c.answerVia,
      linkPath: `${LINK_PATHS.connection}/${c.connectionId}`,
    };
  }
}

/** Why the bank refused a login step. */
export class LoginErrorView {
  @ApiProperty({ example: 'CredentialsInvalid', description: "The connector error's tag." })
  tag!: string;

  @ApiProperty()
  message!: string;
}

/** How a login step (credentials or an answer) ended. */
export class LoginResultView {
  @ApiProperty()
  connectionId!: string;

  @ApiProperty()
  bankId!: string;

  @ApiProperty({
    enum: [...LOGIN_OUTCOME_TYPES],
    description:
      'running: the login goes on at the bank (connecting answers at once, 202) — follow GET /api/v2/connections/{id} (and …/challenge once it waits in suspended.missing-answer.auth.*); ' +
      'granted: connected, first sync started; challenge: answer it; failed: see aggregationStatus.',
  })
  outcome!: string;

  @ApiProperty({ example: 'suspended.missing-answer.auth.otp', description: "The connection's aggregation status after the step." })
  aggregationStatus!: string;

  @ApiProperty({ type: ChallengeView, nullable: true })
  challenge!: ChallengeView | null;

  @ApiProperty({ type: [String], description: 'The first sync (granted).' })
  sessionIds!: string[];

  @ApiProperty({ type: LoginErrorView, nullable: true })
  error!: LoginErrorView | null;

  static of(r: LoginResult): LoginResultView {
    const o = r.outcome;
    return {
      connectionId: r.connectionId,
      bankId: r.bankId,
      outcome: o.type,
      aggregationStatus: r.aggregationStatus,
      challenge: o.type === 'challenge' ? ChallengeView.of(o.challenge) : null,
      sessionIds: o.type === 'granted' ? [...o.sessionIds] : [],
      error: o.type === 'failed' ? { tag: o.errorTag, message: o.message } : null,
    };
  }
}
