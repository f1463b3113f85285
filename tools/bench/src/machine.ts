import * as os from 'node:os';
import type { Machine } from './results';

/** The machine's description: CPU model and cores, memory, OS, Node, and the PostgreSQL server's `SELECT version()`. */
export function describeMachine(postgres: { readonly version: string; readonly serverVersion: string }): Machine {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryBytes: os.totalmem(),
    platform: os.platform(),
    osRelease: os.release(),
    arch: os.arch(),
    node: process.version,
    postgres: postgres.version,
    postgresVersion: postgres.serverVersion,
    loadAverageStart: os.loadavg(),
    loadAverageEnd: os.loadavg(),
  };
}
