import { Body, Controller, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiBadGatewayResponse,
  ApiBadRequestResponse,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiQuery,
  ApiResponse,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { PsuContext } from '@kinko/connector-sdk';
import { Redacted } from 'effect';
import { CurrentUser, PublicRoute, UserApi } from '../auth/auth.decorators';
import { InjectSettings } from '../config/config.module';
import type { Settings } from '../config/settings';
import type { UserScope } from '../database/scoped-data';
import { negotiateLanguage } from '../http/language';
import { PROBLEM_MEDIA_TYPE, Problem } from '../http/problem';
import { toProblem } from '../http/problem.filter';
import { Idempotent } from '../idempotency/idempotency.interceptor';
import { ApiProblems } from '../http/problem-docs';
import { type ConnectResult, connectResultPage } from '../link/connect-result-page';
import { LINK_PATHS } from '../link/link-paths';
import { ConnectRequest, ConnectResultView, ConnectStartView } from './connect.dto';
import { BankRefusedError, CONNECT_CALLBACK_PATH, ConnectService, CONNECT_FLOW_TTL_MS } from './connect.service';
import { flowBindingOf, setFlowBinding } from './flow-binding';
import { ApiPsuHeaders, UserPsu, psuOf } from './psu-context';

const originOf = (request: FastifyRequest): string => `${request.protocol}://${request.host}`;

/** @nestjs/swagger's metadata key of an operation's responses (its `DECORATORS.API_RESPONSE`). */
const API_RESPONSE_METADATA = 'swagger/apiResponse';

/**
 * Declares, beside each of these responses' JSON body (a problem from 400 on), the HTML page a
 * browser gets instead. Applied after the operation's other response decorators (write it above them).
 */
function ApiBrowserPage(...statuses: number[]): MethodDecorator {
  return (_target, _key, descriptor) => {
    const operation = descriptor.value as object;
    const responses = { ...((Reflect.getMetadata(API_RESPONSE_METADATA, operation) ?? {}) as Record<string, { description?: string; type?: () => unknown; schema?: object }>) };
    for (const status of statuses) {
      const { type, schema, ...rest } = responses[String(status)] ?? {};
      const json = schema ?? (typeof type === 'function' ? { $ref: getSchemaPath(type as Parameters<typeof getSchemaPath>[0]) } : undefined);
      responses[String(status)] = {
        ...rest,
        content: { ...(json ? { [status >= 400 ? PROBLEM_MEDIA_TYPE : 'application/json']: { schema: json } } : {}), 'text/html': { schema: { type: 'string' } } },
      } as (typeof responses)[string];
    }
    Reflect.defineMetadata(API_RESPONSE_METADATA, responses, operation);
  };
}

/** The redirect connect flow: start it (user token), and the bank's callback (public). */
@ApiTags('connect')
@Controller('api/v2/connect')
export class ConnectController {
  constructor(
    private readonly connect: ConnectService,
    @InjectSettings() private readonly settings: Settings,
  ) {}

  // Declared before `:bankId` so the literal path wins.
  @Get('flows/:connectFlowId/browser')
  @PublicRoute()
  @ApiOperation({
    operationId: 'openConnectFlowInBrowser',
    security: [],
    summary: 'Start URL of an API-started connect flow: binds this browser, then on to the bank',
    description:
      'The `redirectUrl` of POST /api/v2/connect/{bankId}: single use. Sets the flow binding cookie (`kinko_flow`, HttpOnly, limited to the callback) in the browser that opens it ' +
      'and answers 303 to the bank login page. The callback is accepted only from that browser.',
  })
  @ApiQuery({ name: 'key', required: true, type: String, description: 'The flow\'s binding secret, as the start URL carries it.' })
  @ApiResponse({ status: 303, description: 'On to the bank login page, the binding cookie set.' })
  @ApiNotFoundResponse({ type: Problem, description: 'No connect flow with this id and key.' })
  @ApiProblems('connect-link-used')
  async browser(@Param('connectFlowId') connectFlowId: string, @Query('key') key: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const bound = await this.connect.bindBrowser(connectFlowId, typeof key === 'string' ? key : '');
    setFlowBinding(reply, request, this.settings, Redacted.value(bound.binding), CONNECT_FLOW_TTL_MS / 1000);
    await reply.code(303).header('cache-control', 'no-store').header('referrer-policy', 'no-referrer').header('location', bound.bankUrl).send();
  }

  // Declared before `:bankId` so the literal path wins.
  @ApiBrowserPage(200, 400, 403, 404, 409, 502)
  @Get('callback')
  @PublicRoute()
  @ApiOperation({
    operationId: 'completeBankCallback',
    security: [],
    summary: 'OAuth callback: the bank sends the user back here',
    description:
      'Public: the `state` (single use, expires after 15 minutes) names the connect flow, and the browser must hold the flow binding cookie (`kinko_flow`) ' +
      'set where the flow started (the Link pages, or the start URL of an API-started flow); a callback without it is refused (403) and the flow spent. On success the grant is stored encrypted, ' +
      'the connection and its consent are created and the first sync starts. Answers JSON; to a browser (Accept: text/html), for a flow started with a `redirectUri`, a 303 to that URL with `status=connected`, `connectionId` and `state` ' +
      '(when the callback fails — declined, refused, expired — with `status=failed`); for a flow started on the Link pages, a 303 to the Link vault (`/link/vault?connected=1`); ' +
      'for a flow started through the API without `redirectUri`, Kinko\'s own result page (HTML, no Link session needed): connected to the bank, or nothing connected and why, with the status the JSON answer would have.',
  })
  @ApiQuery({ name: 'state', required: true, type: String, description: 'The connect flow, as Kinko sent it to the bank (single use).' })
  @ApiQuery({ name: 'code', required: false, type: String, description: 'OAuth 2 authorization code (banks of the OAuth redirect flow, e.g. PolishAPI).' })
  @ApiQuery({ name: 'auth_token', required: false, type: String, description: 'Login token (Bank Common API banks).' })
  @ApiQuery({ name: 'state_binding', required: false, type: String, description: 'Binds the state to the login that started it (Bank Common API banks).' })
  @ApiQuery({ name: 'error', required: false, type: String, description: 'The bank refused or the user declined (OAuth 2 error code, e.g. `access_denied`).' })
  @ApiQuery({ name: 'error_description', required: false, type: String, description: 'The bank\'s text for `error`.' })
  @ApiProduces('application/json')
  @ApiExtraModels(ConnectResultView)
  @ApiOkResponse({ type: ConnectResultView, description: 'Connected: the result (JSON), or to a browser with no return URL nor Link session to go to, Kinko\'s result page (HTML).' })
  @ApiResponse({ status: 303, description: 'To a browser (Accept: text/html): on to the flow\'s `redirectUri` with `status`, `connectionId` and `state`, or to the Link vault, `/link/vault?connected=1`, for a flow started there.' })
  @ApiBadRequestResponse({ type: Problem, description: 'No state, or the callback did not arrive at the registered redirect URI.' })
  @ApiNotFoundResponse({ type: Problem, description: 'No connect flow with this state.' })
  @ApiProblems('connect-flow-used', 'connect-flow-expired', 'credentials-flow-bank')
  @ApiForbiddenResponse({ type: Problem, description: 'The user declined, the bank refused the login, or the browser does not hold the flow binding.' })
  @ApiBadGatewayResponse({ type: Problem, description: 'The bank failed to answer.' })
  async callback(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const query = Object.fromEntries(Object.entries((request.query ?? {}) as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === 'string'));
    const browser = (request.headers.accept ?? '').includes('text/html');
    const binding = flowBindingOf(request);
    let completed;
    try {
      completed = await this.connect.complete({ query, origin: originOf(request), path: request.url.split('?')[0] ?? CONNECT_CALLBACK_PATH, binding, psu: psuOf(request) });
    } catch (e) {
      if (!browser) throw e;
      // A browser whose flow was started with the tenant's return URL goes back there, told it failed.
      const back = await this.connect.failureReturn({ query, binding });
      void reply.header('cache-control', 'no-store');
      setFlowBinding(reply, request, this.settings, '', 0);
      if (back !== undefined) {
        await reply.redirect(back, 303);
        return;
      }
      // Else Kinko's own page says what happened, with the problem's status.
      const problem = toProblem(e, undefined);
      const result: ConnectResult = { kind: e instanceof BankRefusedError ? 'declined' : 'failed', title: problem.title, detail: problem.detail ?? problem.title };
      await this.sendResultPage(request, reply, problem.status, result);
      return;
    }
    void reply.header('cache-control', 'no-store');
    setFlowBinding(reply, request, this.settings, '', 0);
    if (!browser) await reply.code(200).send(ConnectResultView.of(completed));
    // A browser lands at the tenant's return URL when the flow was started with one, else back in
    // the Link vault (started there: its Link session says it connected), else on Kinko's own page.
    else if (completed.returnUrl !== undefined || completed.fromLinkPages) await reply.redirect(completed.returnUrl ?? `${LINK_PATHS.vault}?connected=1`, 303);
    else await this.sendResultPage(request, reply, 200, { kind: 'connected', bankName: completed.bankName });
  }

  /** The callback's result page (HTML, the Link pages' look and CSP), in the browser's language. */
  private async sendResultPage(request: FastifyRequest, reply: FastifyReply, status: number, result: ConnectResult): Promise<void> {
    const lang = negotiateLanguage(request.headers['accept-language']) ?? 'ja';
    const { html, contentSecurityPolicy } = connectResultPage(lang, result);
    await reply.code(status).header('content-security-policy', contentSecurityPolicy).type('text/html; charset=utf-8').send(html);
  }

  @Post(':bankId')
  @HttpCode(201)
  @UserApi()
  @ApiOperation({
    operationId: 'startConnection',
    summary: 'Start connecting a bank (redirect flow)',
    description:
      'Returns the URL to send the user\'s browser to: Kinko\'s single-use start URL (GET /api/v2/connect/flows/{connectFlowId}/browser?key=…), which binds that browser ' +
      'to the flow (cookie) and sends it on to the bank login page. Kinko binds a fresh OAuth state and PKCE pair (S256) to a server-side connect flow; ' +
      'the bank sends the user back to GET /api/v2/connect/callback, accepted only in the bound browser. The redirect URI is KINKO_PUBLIC_URL (required in production); ' +
      'without it (development) only a loopback Host may start a flow. With `redirectUri` (exactly one of the tenant\'s registered return URLs, else 400 `validation` and nothing is started) ' +
      'the browser ends there with `status`, `connectionId` and `state` instead of the Link vault.',
  })
  @ApiCreatedResponse({ type: ConnectStartView })
  @ApiNotFoundResponse({ type: Problem, description: 'No such bank (or connection to re-authorise).' })
  @ApiProblems('credentials-flow-bank')
  @ApiBadGatewayResponse({ type: Problem })
  @Idempotent()
  @ApiPsuHeaders()
  async begin(
    @CurrentUser() scope: UserScope,
    @Param('bankId') bankId: string,
    @Body() body: ConnectRequest,
    @Req() request: FastifyRequest,
    @UserPsu() psu: PsuContext,
  ): Promise<ConnectStartView> {
    return ConnectStartView.of(
      await this.connect.begin(scope, bankId, {
        origin: originOf(request),
        psu,
        ...(body.connectionId ? { reconnectConnectionId: body.connectionId.toLowerCase() } : {}),
        ...(body.locale ? { locale: body.locale } : {}),
        ...(body.redirectUri !== undefined ? { returnTo: { redirectUri: body.redirectUri, state: body.state ?? null } } : {}),
      }),
    );
  }
}
