import { createHash } from 'node:crypto';
import { DefaultNamingStrategy, type Table, type View } from 'typeorm';

const MAX_IDENTIFIER = 63; // PostgreSQL truncates longer identifiers silently.

const snake = (s: string): string => s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/([A-Z])([A-Z][a-z])/g, '$1_$2').toLowerCase();

function fit(name: string): string {
  if (name.length <= MAX_IDENTIFIER) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${name.slice(0, MAX_IDENTIFIER - 9)}_${hash}`;
}

/**
 * snake_case columns from camelCase properties, and readable constraint names
 * (`pk_users`, `uq_users_tenant_id_external_id`, `fk_…`, `ix_…`) so migrations and
 * database errors say what they are about.
 */
export class KinkoNamingStrategy extends DefaultNamingStrategy {
  override columnName(propertyName: string, customName: string | undefined, embeddedPrefixes: string[]): string {
    return customName ?? snake([...embeddedPrefixes, propertyName].join('_'));
  }

  override primaryKeyName(tableOrName: Table | string): string {
    return fit(`pk_${this.bare(tableOrName)}`);
  }

  override uniqueConstraintName(tableOrName: Table | string, columnNames: string[]): string {
    return fit(`uq_${this.bare(tableOrName)}_${columnNames.join('_')}`);
  }

  override foreignKeyName(tableOrName: Table | string, columnNames: string[]): string {
    return fit(`fk_${this.bare(tableOrName)}_${columnNames.join('_')}`);
  }

  override indexName(tableOrName: Table | View | string, columnNames: string[]): string {
    return fit(`ix_${this.bare(tableOrName as Table | string)}_${columnNames.join('_')}`);
  }

  override relationConstraintName(tableOrName: Table | string, columnNames: string[]): string {
    return fit(`rel_${this.bare(tableOrName)}_${columnNames.join('_')}`);
  }

  private bare(tableOrName: Table | string): string {
    const name = this.getTableName(tableOrName);
    return name.includes('.') ? (name.split('.').pop() ?? name) : name;
  }
}
