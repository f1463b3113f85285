import type { Language } from '@kinko/domain';
import { Controller, Get, Param, Post, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiResponse, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { Redacted } from 'effect';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PublicRoute } from '../auth/auth.decorators';
import { CredentialLoginService } from '../challenges/credential-login.service';
import { KinkoError, ValidationFailedError } from '../common/errors';
import { InjectSettings } from '../config/config.module';
import type { Settings } from '../config/settings';
import { ConnectService, CONNECT_FLOW_TTL_MS } from '../connections/connect.service';
import { psuOf } from '../connections/psu-context';
import { setFlowBinding } from '../connections/flow-binding';
import { ConnectionsService } from '../connections/connections.service';
import { ConsentsService } from '../consents/consents.service';
import { toProblem } from '../http/problem.filter';
import { ConnectorClients } from '../sync/connector-clients';
import { GrantVault } from '../sync/grant-vault';
import { SyncService } from '../sync/sync.service';
import { nothingSynced } from '../sync-api/skip-conflict';
import { LinkPages } from './link-pages';
import { LINK_PATHS } from './link-paths';
import { type LinkSession, LinkSessions } from './link-session';
import { LINK_CSS, LINK_JS, linkContentSecurityPolicy, type PageContext, requiredFields, textsOf } from './link-views';
import { type LinkResultStatus, type LinkSettings, MAX_RETURN_STATE_LENGTH, returnUrlWith } from '../tenants/link-settings';
import { TenantsService } from '../tenants/tenants.service';
import { DataSource } from 'typeorm';
import { ConnectFlow } from '../connections/connect-flow.entity';
import { rememberUserLanguage } from '../users/user-language';

/** The pages' media type, for the answers the document lists. */
const HTML = { 'text/html': { schema: { type: 'string' } } };

/** The polling script's JSON. */
const LINK_STATUS_SCHEMA = {
  type: 'object',
  required: ['connections'],
  properties: { connections: { type: 'array', items: { type: 'object', required: ['id', 'status'], properties: { id: { type: 'string', format: 'uuid' }, status: { type: 'string' } } } } },
  example: { connections: [{ id: '3f2b8c1e-5d4a-4e7b-9c6d-1a2b3c4d5e6f', status: 'running.data' }] },
};

/** The longest `state` a tenant may pass through the flow. */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const conn = (id: string): string => `${LINK_PATHS.connection}/${id}`;

/** A page to send, or where to send the browser next (303 after a POST). */
type Outcome = { readonly page: string; readonly status?: number } | { readonly redirect: string };

/** The posted form fields (application/x-www-form-urlencoded), all strings. */
const formOf = (request: FastifyRequest): Record<string, string> => {
  const body = request.body;
  if (typeof body !== 'object' || body === null) return {};
  return Object.fromEntries(Object.entries(body as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === 'string'));
};

const statusOf = (e: KinkoError): number => toProblem(e, undefined).status;

/**
 * The Link pages: server-rendered HTML for the end user (no SPA; forms and links work
 * without JavaScript). The session comes from a user token exchanged once for an HttpOnly
 * cookie; every POST checks the session's CSRF token and the request's Origin. Languages:
 * `?lang=` (remembered), Accept-Language, else Japanese.
 */
@ApiTags('link')
@ApiProduces('text/html')
@ApiResponse({ status: 200, description: 'The page (HTML).' })
@ApiResponse({ status: 303, description: 'On to the next page (after a form post, at the flow\'s end to the tenant\'s return URL, or to the bank).' })
@ApiResponse({ status: 400, description: 'A page saying what was wrong: a redirectUri the tenant did not register, a login form with a required field empty.', content: HTML })
@ApiResponse({ status: 401, description: 'A page saying the session expired (or the Link URL\'s token was used or invalid).', content: HTML })
@ApiResponse({ status: 403, description: 'A page saying the form did not carry the session\'s CSRF token, or came from another origin.', content: HTML })
@ApiResponse({ status: 404, description: 'A page saying there is no such bank or connection.', content: HTML })
@ApiResponse({ status: 409, description: 'A page saying the step cannot be taken now (and why).', content: HTML })
@ApiResponse({ status: '5XX', description: 'A page saying the bank or the service failed.', content: HTML })
@PublicRoute()
@Controller('link')
export class LinkController {
  constructor(
    private readonly sessions: LinkSessions,
    private readonly pages: LinkPages,
    private readonly logins: CredentialLoginService,
    private readonly connections: ConnectionsService,
    private readonly consents: ConsentsService,
    private readonly connect: ConnectService,
    private readonly sync: SyncService,
    private readonly grants: GrantVault,
    private readonly clients: ConnectorClients,
    @InjectSettings() private readonly settings: Settings,
    private readonly tenants: TenantsService,
    private readonly dataSource: DataSource,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Link entry (`?token=` exchanged once for the session cookie)' })
  async root(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.enter(request, reply);
  }

  @Get('connect')
  @ApiOperation({ summary: 'Link entry for a user token: `?token=<user token>` → session cookie, redirect to the vault' })
  async enterWithToken(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.enter(request, reply);
  }

  @Get('vault')
  @ApiOperation({ summary: 'The vault: every connection, its status label, last update and next action (HTML)' })
  async vault(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.handle(request, reply, async (session, ctx) => {
      const query = request.query as Record<string, unknown>;
      // Back from the bank's redirect flow: the tenant's app learns the result at its return URL.
      if (query.connected === '1' && session.returnUri) {
        const connection = await this.connectedInSession(session);
        if (connection) return this.finish(session, 'connected', connection, request, reply);
      }
      const t = textsOf(ctx.lang);
      let notice = query.connected === '1' ? t.connectedNotice : undefined;
      const disconnected = typeof query.disconnected === 'string' && UUID.test(query.disconnected) ? query.disconnected.toLowerCase() : undefined;
      if (disconnected) {
        const view = await this.pages.describe(session, disconnected, ctx.lang);
        notice = t.disconnectedNotice(view.bankName?.[ctx.lang] ?? view.bankId ?? view.connectorId);
      }
      return { page: await this.pages.vault(session, ctx, notice) };
    });
  }

  @Get('vault/status')
  @ApiOperation({ summary: 'The session\'s connection statuses (JSON, for the pages\' polling script)' })
  @ApiProduces('application/json')
  @ApiOkResponse({ description: 'Each connection of the session\'s user and its aggregation status.', schema: LINK_STATUS_SCHEMA })
  @ApiUnauthorizedResponse({ description: 'No session: no connections.', schema: LINK_STATUS_SCHEMA })
  async status(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const session = await this.sessions.current(request, reply);
    void reply.header('cache-control', 'no-store');
    if (!session) {
      await reply.code(401).type('application/json').send({ connections: [] });
      return;
    }
    await reply.type('application/json').send({ connections: await this.pages.statuses(session) });
  }

  @Get('banks')
  @ApiOperation({ summary: 'Choose a bank: search by name or bank code (HTML)' })
  async banks(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.handle(request, reply, async (_session, ctx) => {
      const q = (request.query as Record<string, unknown>).q;
      return { page: this.pages.banksPage(ctx, typeof q === 'string' ? q.slice(0, 100) : '') };
    });
  }

  @Get('banks/:bankId')
  @ApiOperation({ summary: 'A bank\'s credential form, or the way to its own login page (HTML)' })
  async bank(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Param('bankId') bankId: string): Promise<void> {
    await this.handle(request, reply, async (session, ctx) => ({ page: await this.pages.bankPage(session, ctx, bankId) }));
  }

  /** Starts the bank's redirect flow (the user API's connect flow: state + PKCE) and sends the browser to the bank. */
  @Get('banks/:bankId/redirect')
  @ApiOperation({ summary: 'Start the bank\'s redirect flow (state + PKCE) and go to the bank' })
  async redirect(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Param('bankId') bankId: string): Promise<void> {
    await this.handle(request, reply, async (session, ctx) => {
      const connection = (request.query as Record<string, unknown>).connection;
      const started = await this.connect.begin(session, bankId, {
        origin: `${request.protocol}://${request.host}`,
        locale: ctx.lang,
        pageSessionId: session.sessionId,
        psu: psuOf(request),
        ...(typeof connection === 'string' && UUID.test(connection) ? { reconnectConnectionId: connection.toLowerCase() } : {}),
      });
      // This browser, and this Link session, are the only ones the bank's callback is accepted from.
      if (started.browserBinding) setFlowBinding(reply, request, this.settings, Redacted.value(started.browserBinding), CONNECT_FLOW_TTL_MS / 1000);
      return { redirect: started.redirectUrl };
    });
  }

  @Post('banks/:bankId/credentials')
  @ApiOperation({ summary: 'Connect with the posted login details (form), then the connection page' })
  async credentials(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Param('bankId') bankId: string): Promise<void> {
    await this.handlePost(request, reply, async (session, form) => {
      // An empty submit creates no connection: the required fields are checked first.
      await this.checkRequired(bankId, form, this.sessions.language(request, reply));
      const result = await this.logins.connect(session, bankId, credentialsOf(form), `user:${session.userId}`, psuOf(request));
      return { redirect: conn(result.connectionId) };
    }, (session, ctx, message) => this.pages.bankPage(session, ctx, bankId, message));
  }

  @Get('connections/:connectionId')
  @ApiOperation({ summary: 'One connection: progress, challenge form, actions (HTML)' })
  async connection(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Param('connectionId') connectionId: string): Promise<void> {
    await this.handle(request, reply, async (session, ctx) => {
      const id = this.id(connectionId);
      // Connected (the first sync done): back to the tenant's app when it passed a return URL.
      if (session.returnUri && (await this.pages.describe(session, id, ctx.lang)).aggregationStatusGroup === 'ok') return this.finish(session, 'connected', id, request, reply);
      return { page: await this.pages.connectionPage(session, ctx, id) };
    });
  }

  @Get('connections/:connectionId/disconnect')
  @ApiOperation({ summary: 'Asks to confirm disconnecting the connection (HTML)' })
  async confirmDisconnect(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Param('connectionId') connectionId: string): Promise<void> {
    await this.handle(request, reply, async (session, ctx) => ({ page: await this.pages.disconnectPage(session, ctx, this.id(connectionId)) }));
  }

  /**
   * The end of the flow: back to the tenant's return URL with `status` (connected, failed:
   * from the connection's status; cancelled without a connection), `connectionId` and the
   * tenant's `state`; the Link session ends. Without a return URL, the vault.
   */
  @Get('return')
  @ApiOperation({ summary: 'Back to the tenant\'s app: its return URL with status, connectionId and state' })
  async backToApp(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.handle(request, reply, async (session, ctx) => {
      if (!session.returnUri) return { redirect: LINK_PATHS.vault };
      const connection = (request.query as Record<string, unknown>).connection;
      if (typeof connection !== 'string' || !UUID.test(connection)) return this.finish(session, 'cancelled', undefined, request, reply);
      const view = await this.pages.describe(session, connection.toLowerCase(), ctx.lang);
      return this.finish(session, view.aggregationStatusGroup === 'ok' ? 'connected' : 'failed', view.id, request, reply);
    });
  }

  @Post('connections/:connectionId/challenge')
  @ApiOperation({ summary: 'Answer the waiting challenge (form; passed to the bank, never stored)' })
  async answer(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Param('connectionId') connectionId: string): Promise<void> {
    const id = this.id(connectionId);
    await this.connectionPost(request, reply, id, async (session, form) => {
      // Passed on to the bank, never stored; the form field is dropped with the request.
      await this.logins.answer(session, id, Redacted.make(form.answer ?? ''), 'link-page', psuOf(request));
    });
  }

  @Post('connections/:connectionId/credentials')
  @ApiOperation({ summary: 'Re-enter the login details (form)' })
  async reenter(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Param('connectionId') connectionId: string): Promise<void> {
    const id = this.id(connectionId);
    await this.connectionPost(request, reply, id, async (session, form) => {
      const connection = await this.connections.get(session, id);
      await this.checkRequired(connection.bankId ?? connection.connectorId, form, this.sessions.language(request, reply));
      await this.logins.reenterCredentials(session, id, credentialsOf(form), `user:${session.userId}`, psuOf(request));
    });
  }

  /** A new CAPTCHA image: the waiting question is replaced by a new login with the stored details, in one move (renewChallenge). */
  @Post('connections/:connectionId/new-image')
  @ApiOperation({ summary: 'A new CAPTCHA image (gives the waiting one up, logs in again)' })
  async newImage(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Param('connectionId') connectionId: string): Promise<void> {
    const id = this.id(connectionId);
    await this.connectionPost(request, reply, id, (session) => this.logins.renewChallenge(session, id, `user:${session.userId}`, psuOf(request)));
  }

  @Post('connections/:connectionId/login')
  @ApiOperation({ summary: 'Log in again with the stored login details' })
  async loginAgain(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Param('connectionId') connectionId: string): Promise<void> {
    const id = this.id(connectionId);
    await this.connectionPost(request, reply, id, (session) => this.logins.loginAgain(session, id, `user:${session.userId}`, psuOf(request)));
  }

  /** Refresh: a sync when the connection holds a grant; a credentials bank without one logs in again. */
  @Post('connections/:connectionId/refresh')
  @ApiOperation({ summary: 'Refresh the connection' })
  async refresh(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Param('connectionId') connectionId: string): Promise<void> {
    const id = this.id(connectionId);
    await this.connectionPost(request, reply, id, async (session) => {
      const connection = await this.connections.get(session, id);
      const credentials = this.clients.has(connection.connectorId) && this.clients.connector(connection.connectorId).manifest.authFlow === 'credentials';
      if (credentials && !(await this.grants.has(session, id))) {
        await this.logins.loginAgain(session, id, `user:${session.userId}`, psuOf(request));
        return;
      }
      const started = await this.sync.startSync(session, { connectionIds: [id] }, { requestedBy: 'user', psu: psuOf(request) });
      const skipped = started.skipped[0];
      if (skipped) {
        throw nothingSynced(started.skipped, `The connection cannot be refreshed now (${skipped.reason}).`);
      }
    });
  }

  /**
   * Re-authorise (the vault's expiry warning): renews the consent at the bank for the same
   * connection — the redirect flow with this connection as the one to re-authorise, so its
   * id and its accounts' ids stay; a credentials bank logs in again with the stored details
   * (or asks for them on the connection's page).
   */
  @Post('connections/:connectionId/reauthorise')
  @ApiOperation({ summary: 'Renew the consent at the bank, keeping the connection and its accounts' })
  async reauthorise(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Param('connectionId') connectionId: string): Promise<void> {
    const id = this.id(connectionId);
    const lang = this.sessions.language(request, reply);
    await this.handlePost(
      request,
      reply,
      async (session) => {
        const connection = await this.connections.get(session, id);
        const credentials = this.clients.has(connection.connectorId) && this.clients.connector(connection.connectorId).manifest.authFlow === 'credentials';
        if (credentials) {
          await this.logins.loginAgain(session, id, `user:${session.userId}`, psuOf(request));
          return { redirect: conn(id) };
        }
        const started = await this.connect.begin(session, connection.bankId ?? connection.connectorId, {
          origin: `${request.protocol}://${request.host}`,
          locale: lang,
          pageSessionId: session.sessionId,
          psu: psuOf(request),
          reconnectConnectionId: id,
        });
        if (started.browserBinding) setFlowBinding(reply, request, this.settings, Redacted.value(started.browserBinding), CONNECT_FLOW_TTL_MS / 1000);
        return { redirect: started.redirectUrl };
      },
      (session, ctx, message) => this.pages.connectionPage(session, ctx, id, undefined, message),
    );
  }

  @Post('connections/:connectionId/deactivate')
  @ApiOperation({ summary: 'Turn automatic updates off' })
  async deactivate(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Param('connectionId') connectionId: string): Promise<void> {
    const id = this.id(connectionId);
    await this.connectionPost(request, reply, id, (session) => this.connections.deactivate(session, id));
  }

  @Post('connections/:connectionId/reactivate')
  @ApiOperation({ summary: 'Turn automatic updates on again' })
  async reactivate(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Param('connectionId') connectionId: string): Promise<void> {
    const id = this.id(connectionId);
    await this.connectionPost(request, reply, id, (session) => this.connections.reactivate(session, id));
  }

  /** Disconnect: a waiting question is given up first, then the user API's disconnect (revoked at the bank, secrets deleted). */
  @Post('connections/:connectionId/disconnect')
  @ApiOperation({ summary: 'Disconnect (revoked at the bank, secrets deleted)' })
  async disconnect(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Param('connectionId') connectionId: string): Promise<void> {
    const id = this.id(connectionId);
    await this.handlePost(
      request,
      reply,
      async (session) => {
        await this.logins.abandon(session, id);
        await this.consents.disconnect(session, id, `user:${session.userId}`);
        return { redirect: `${LINK_PATHS.vault}?disconnected=${id}` };
      },
      (session, ctx, message) => this.pages.connectionPage(session, ctx, id, undefined, message),
    );
  }

  @Get('assets/link.css')
  @ApiProduces('text/css')
  @ApiOperation({ summary: 'The Link pages’ stylesheet' })
  async css(@Res() reply: FastifyReply): Promise<void> {
    await reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(LINK_CSS);
  }

  /** The tenant's accent colour, for the session's pages (a stylesheet: the CSP allows no inline style). */
  @Get('assets/theme.css')
  @ApiProduces('text/css')
  @ApiOperation({ summary: 'The Link pages’ theme for the session’s tenant (accent colour)' })
  async theme(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const session = await this.sessions.current(request, reply);
    const accent = session ? (await this.tenants.linkSettings(session.tenantId)).accentColor : null;
    await reply.type('text/css; charset=utf-8').header('cache-control', 'private, no-cache').send(accent ? `:root{--accent:${accent}}\n` : '');
  }

  @Get('assets/link.js')
  @ApiProduces('text/javascript')
  @ApiOperation({ summary: 'The Link pages’ status-polling script' })
  async js(@Res() reply: FastifyReply): Promise<void> {
    await reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=3600').send(LINK_JS);
  }

  // ---------------------------------------------------------------------------------------

  /** The first visit: the URL token becomes the session cookie, and the browser goes on to a URL without it. */
  private async enter(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const lang = this.sessions.language(request, reply);
    const ctx = this.context(request, lang);
    const t = textsOf(lang);
    const query = request.query as Record<string, unknown>;
    const token = query.token;
    void reply.header('cache-control', 'no-store');
    if (typeof token === 'string' && token !== '') {
      const redirectUri = query.redirectUri;
      const state = typeof query.state === 'string' ? query.state.slice(0, MAX_RETURN_STATE_LENGTH) : null;
      const returnTo = typeof redirectUri === 'string' && redirectUri !== '' ? { redirectUri, state } : undefined;
      const session = await this.sessions.exchange(token, request, reply, returnTo);
      if (session === 'return-url-not-registered') {
        await this.send(reply, { page: this.pages.message(ctx, t.problemHeading, t.returnUrlNotRegistered), status: 400 });
        return;
      }
      if (session === 'invalid' || session === 'used') {
        await this.send(reply, { page: this.pages.message(ctx, t.sessionExpiredHeading, t.sessionExpired), status: 401 });
        return;
      }
      await this.send(reply, { redirect: LINK_PATHS.vault });
      return;
    }
    const session = await this.sessions.current(request, reply);
    if (session) await this.send(reply, { redirect: LINK_PATHS.vault });
    else await this.send(reply, { page: this.pages.message(ctx, t.sessionExpiredHeading, t.sessionExpired), status: 401 });
  }

  private context(request: FastifyRequest, lang: Language): PageContext {
    return { lang, path: request.url };
  }

  /** The page context with the tenant's app (name, logo, theme) and, with a return URL, the way to cancel. */
  private branded(ctx: PageContext, session: LinkSession, settings: LinkSettings): PageContext {
    return {
      ...ctx,
      brand: { appName: settings.displayName, logoUrl: settings.logoUrl, themed: settings.accentColor !== null },
      ...(session.returnUri ? { cancelUrl: `${LINK_PATHS.root}/return` } : {}),
    };
  }

  /**
   * The Link pages' Content-Security-Policy: nothing but this origin — scripts, styles (no
   * inline), forms — and images from here, data: URLs (challenge pictures) and exactly the
   * origin of the tenant's logo.
   */
  private securityPolicy(reply: FastifyReply, settings: LinkSettings): void {
    void reply.header('content-security-policy', linkContentSecurityPolicy(settings.logoUrl ? new URL(settings.logoUrl).origin : undefined));
  }

  /** The connection of this Link session's last completed redirect flow (the bank's callback just connected it). */
  private async connectedInSession(session: LinkSession): Promise<string | undefined> {
    const flow = await this.dataSource.getRepository(ConnectFlow).findOne({
      where: { tenantId: session.tenantId, userId: session.userId, pageSessionId: session.sessionId, status: 'completed' },
      order: { usedAt: 'DESC' },
    });
    return flow?.connectionId ?? undefined;
  }

  /** Refuses (400) a login form whose required fields are empty, before anything is created. */
  private async checkRequired(bankId: string, form: Record<string, string>, lang: Language): Promise<void> {
    const missing = requiredFields((await this.logins.credentialForm(bankId)).fields).filter((f) => (form[f.name] ?? '').trim() === '');
    if (missing.length > 0) throw new ValidationFailedError(missing.map((f) => ({ field: f.label[lang], reason: textsOf(lang).fieldRequired })));
  }

  /** Ends the flow: the session ends, the browser goes to the tenant's return URL with the result. */
  private async finish(session: LinkSession, status: LinkResultStatus, connectionId: string | undefined, request: FastifyRequest, reply: FastifyReply): Promise<Outcome> {
    if (!session.returnUri) return { redirect: LINK_PATHS.vault };
    await this.sessions.clear(session, request, reply);
    return { redirect: returnUrlWith(session.returnUri, { status, connectionId, state: session.returnState }) };
  }

  private id(connectionId: string): string {
    return UUID.test(connectionId) ? connectionId.toLowerCase() : '00000000-0000-0000-0000-000000000000';
  }

  /** A GET page of a signed-in user. */
  private async handle(request: FastifyRequest, reply: FastifyReply, work: (session: LinkSession, ctx: PageContext) => Promise<Outcome>): Promise<void> {
    const lang = this.sessions.language(request, reply);
    const ctx = this.context(request, lang);
    const t = textsOf(lang);
    const session = await this.sessions.current(request, reply);
    if (!session) {
      await this.send(reply, { page: this.pages.message(ctx, t.sessionExpiredHeading, t.sessionExpired), status: 401 });
      return;
    }
    if ((request.query as Record<string, unknown>).lang === lang) await rememberUserLanguage(this.dataSource.manager, session, lang); // the user picked it: events label in it (H14)
    const settings = await this.tenants.linkSettings(session.tenantId);
    const branded = this.branded(ctx, session, settings);
    this.securityPolicy(reply, settings);
    try {
      await this.send(reply, await work(session, branded));
    } catch (e) {
      if (!(e instanceof KinkoError)) throw e;
      const title = e.code === 'not-found' ? t.notFound : t.problemHeading;
      await this.send(reply, { page: this.pages.message(branded, title, e.message), status: statusOf(e) });
    }
  }

  /** A POST of a signed-in user: session, CSRF token and Origin checked; a failure re-renders `onError`'s page with the problem. */
  private async handlePost(
    request: FastifyRequest,
    reply: FastifyReply,
    work: (session: LinkSession, form: Record<string, string>) => Promise<Outcome>,
    onError: (session: LinkSession, ctx: PageContext, message: string) => Promise<string>,
  ): Promise<void> {
    const lang = this.sessions.language(request, reply);
    const ctx = this.context(request, lang);
    const t = textsOf(lang);
    const session = await this.sessions.current(request, reply);
    const form = formOf(request);
    if (!session) {
      await this.send(reply, { page: this.pages.message(ctx, t.sessionExpiredHeading, t.sessionExpired), status: 401 });
      return;
    }
    const origin = request.headers.origin;
    if (!this.sessions.csrfValid(session, form._csrf) || (typeof origin === 'string' && origin !== 'null' && hostOf(origin) !== request.host)) {
      await this.send(reply, { page: this.pages.message(ctx, t.problemHeading, t.sessionExpired), status: 403 });
      return;
    }
    const settings = await this.tenants.linkSettings(session.tenantId);
    const branded = this.branded(ctx, session, settings);
    this.securityPolicy(reply, settings);
    try {
      await this.send(reply, await work(session, form));
    } catch (e) {
      if (!(e instanceof KinkoError)) throw e;
      try {
        await this.send(reply, { page: await onError(session, branded, e.message), status: statusOf(e) });
      } catch (inner) {
        if (!(inner instanceof KinkoError)) throw inner;
        await this.send(reply, { page: this.pages.message(branded, t.problemHeading, e.message), status: statusOf(e) });
      }
    }
  }

  /** A POST about one connection: on success back to its page (303), on failure its page with the problem. */
  private connectionPost(request: FastifyRequest, reply: FastifyReply, id: string, work: (session: LinkSession, form: Record<string, string>) => Promise<unknown>): Promise<void> {
    return this.handlePost(
      request,
      reply,
      async (session, form) => {
        await work(session, form);
        return { redirect: conn(id) };
      },
      (session, ctx, message) => this.pages.connectionPage(session, ctx, id, undefined, message),
    );
  }

  private async send(reply: FastifyReply, outcome: Outcome): Promise<void> {
    void reply.header('cache-control', 'no-store');
    if ('redirect' in outcome) {
      await reply.code(303).header('location', outcome.redirect).send();
      return;
    }
    await reply
      .code(outcome.status ?? 200)
      .type('text/html; charset=utf-8')
      .send(outcome.page);
  }
}

/** The credential fields of a posted form (the CSRF token is not one of them). */
function credentialsOf(form: Record<string, string>): Record<string, string> {
  const { _csrf, ...fields } = form;
  void _csrf;
  return fields;
}

/** The host of an Origin header; undefined when it is not a URL. */
function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}
