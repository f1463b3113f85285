import { Injectable } from '@nestjs/common';
import { ScopedData, type UserScope } from '../database/scoped-data';
import { Connection } from './connection.entity';

/** A user's connections. */
@Injectable()
export class ConnectionsService {
  constructor(private readonly data: ScopedData) {}

  /** The user's connections, oldest first. */
  list(scope: UserScope): Promise<Connection[]> {
    return this.data.forUser(Connection, scope).find({ order: { createdAt: 'ASC', id: 'ASC' } });
  }

  /** One of the user's connections; {@link NotFoundError} otherwise. */
  get(scope: UserScope, connectionId: string): Promise<Connection> {
    return this.data.forUser(Connection, scope).get({ id: connectionId });
  }
}
