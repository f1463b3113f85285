import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiKeysService } from '../auth/api-keys.service';
import { CurrentTenant, TenantApi } from '../auth/auth.decorators';
import { NotFoundError } from '../common/errors';
import type { TenantScope } from '../database/scoped-data';
import { IdPipe } from '../http/id.pipe';
import { Problem } from '../http/problem';
import { ApiKeyList, ApiKeyView, CreateApiKeyRequest, CreatedApiKeyView } from './api-key.dto';

/** Tenant API: the calling tenant's API keys (create, list, revoke). */
@ApiTags('tenant')
@TenantApi()
@Controller('api/v2/tenant/api-keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  @ApiOperation({ operationId: 'createApiKey', summary: 'Create an API key', description: 'The answer carries the whole key; it is never shown again.' })
  @ApiCreatedResponse({ type: CreatedApiKeyView })
  async create(@CurrentTenant() scope: TenantScope, @Body() body: CreateApiKeyRequest): Promise<CreatedApiKeyView> {
    const minted = await this.keys.mint(scope.tenantId, body.label);
    const row = await this.keys.get(scope.tenantId, minted.apiKeyId);
    if (!row) throw new NotFoundError('API key');
    return CreatedApiKeyView.ofMinted(row, minted);
  }

  @Get()
  @ApiOperation({ operationId: 'listApiKeys', summary: "List the tenant's API keys", description: 'Prefix, label, created, last used (to the minute) and revoked — never the secret.' })
  @ApiOkResponse({ type: ApiKeyList })
  async list(@CurrentTenant() scope: TenantScope): Promise<ApiKeyList> {
    return { items: (await this.keys.list(scope.tenantId)).map(ApiKeyView.of) };
  }

  @Delete(':apiKeyId')
  @HttpCode(204)
  @ApiOperation({ operationId: 'revokeApiKey', summary: 'Revoke an API key', description: 'It stops working at once, on every process (the key may be the one calling).' })
  @ApiNoContentResponse({ description: 'Revoked.' })
  @ApiNotFoundResponse({ type: Problem, description: 'No such key of this tenant, or already revoked.' })
  async revoke(@CurrentTenant() scope: TenantScope, @Param('apiKeyId', new IdPipe('API key')) apiKeyId: string): Promise<void> {
    if (!(await this.keys.revoke(scope.tenantId, { id: apiKeyId }))) throw new NotFoundError('API key');
  }
}
