import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { PublicRoute } from '../auth/auth.decorators';
import { ServiceUnavailableError } from '../common/errors';
import { Problem } from '../http/problem';

/** Health of the instance. */
export class HealthView {
  @ApiProperty({ example: 'ok' })
  status!: 'ok';

  @ApiProperty({ example: 'up' })
  database!: 'up';
}

const DB_CHECK_TIMEOUT_MS = 2_000;

/** `GET /health`: 200 when the database answers, 503 otherwise (for load balancers and orchestrators). */
@ApiTags('operations')
@PublicRoute()
@Controller('health')
export class HealthController {
  constructor(private readonly dataSource: DataSource) {}

  @Get()
  @ApiOperation({ operationId: 'getHealth', summary: 'Liveness and database reachability' })
  @ApiOkResponse({ type: HealthView })
  @ApiServiceUnavailableResponse({ type: Problem })
  async check(): Promise<HealthView> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timeout')), DB_CHECK_TIMEOUT_MS);
    });
    try {
      await Promise.race([this.dataSource.query('select 1'), timeout]);
    } catch {
      throw new ServiceUnavailableError('The database is not reachable.');
    } finally {
      clearTimeout(timer);
    }
    return { status: 'ok', database: 'up' };
  }
}
