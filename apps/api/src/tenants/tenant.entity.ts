import { Column, Entity, PrimaryColumn } from 'typeorm';
import { CreatedAtColumn } from '../database/columns';

/** A client application (its backend) integrating Kinko; owns users and everything below them. */
@Entity('tenants')
export class Tenant {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('text')
  name!: string;

  @CreatedAtColumn()
  createdAt!: Date;
}
