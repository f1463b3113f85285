import { Column, Entity, PrimaryColumn } from 'typeorm';
import { CreatedAtColumn } from '../database/columns';

/** A client application (its backend) integrating Kinko; owns users and everything below them. */
@Entity('tenants')
export class Tenant {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('text')
  name!: string;

  /** The name the Link pages show the end user ("<app> uses Kinko…"); the tenant's name when unset. */
  @Column('text', { nullable: true })
  displayName!: string | null;

  /** An https URL of the tenant's logo, shown on the Link pages (its origin alone is allowed in their img-src). */
  @Column('text', { nullable: true })
  logoUrl!: string | null;

  /** The Link pages' accent colour (`#rrggbb`). */
  @Column('text', { nullable: true })
  accentColor!: string | null;

  /** The exact URLs a Link flow may return the browser to (`redirectUri`). */
  @Column('text', { array: true, default: [] })
  returnUrls!: string[];

  @CreatedAtColumn()
  createdAt!: Date;
}
