import { Column, type ColumnOptions, CreateDateColumn, UpdateDateColumn, type ValueTransformer } from 'typeorm';

/**
 * int8 ⇄ bigint. node-postgres hands int8 over as a string (see pg-types.ts); money and
 * other bigint columns become JS `bigint`, never a lossy `number`.
 */
export const bigintTransformer: ValueTransformer = {
  to: (value: bigint | null | undefined) => (value === null || value === undefined ? value : value.toString()),
  from: (value: string | null) => (value === null ? null : BigInt(value)),
};

/** A money or other integer column stored as PostgreSQL `bigint`, read as JS `bigint`. */
export const BigIntColumn = (options: Omit<ColumnOptions, 'type' | 'transformer'> = {}): PropertyDecorator =>
  Column({ ...options, type: 'bigint', transformer: bigintTransformer });

/** A calendar date (`YYYY-MM-DD` string; the bank's day, no time zone). */
export const CalendarDateColumn = (options: Omit<ColumnOptions, 'type'> = {}): PropertyDecorator => Column({ ...options, type: 'date' });

/** An instant (`timestamptz`). */
export const InstantColumn = (options: Omit<ColumnOptions, 'type'> = {}): PropertyDecorator => Column({ ...options, type: 'timestamptz' });

/** Creation instant, set by the database. */
export const CreatedAtColumn = (): PropertyDecorator => CreateDateColumn({ type: 'timestamptz' });

/** Last-update instant, set by TypeORM on save/update. */
export const UpdatedAtColumn = (): PropertyDecorator => UpdateDateColumn({ type: 'timestamptz' });
