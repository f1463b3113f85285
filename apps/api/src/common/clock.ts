import { type DynamicModule, Global, Inject, Module } from '@nestjs/common';
import { type Clock, systemClock } from '@kinko/connector-sdk';

/**
 * Injection token of the app's {@link Clock}: every "now" the app's rules need (consent
 * expiry, relative labels, date windows) comes from it, so tests can move time. Connector
 * clients are created with the same clock.
 */
export const CLOCK = Symbol('kinko.clock');

/** Injects the app's clock (`@InjectClock() clock: Clock`). */
export const InjectClock = (): ParameterDecorator => Inject(CLOCK);

/** Provides {@link CLOCK} everywhere: the system clock, or the one given (tests). */
@Global()
@Module({})
export class ClockModule {
  /** The module with `clock` (default: the system clock). */
  static forRoot(clock: Clock = systemClock): DynamicModule {
    return { module: ClockModule, providers: [{ provide: CLOCK, useValue: clock }], exports: [CLOCK] };
  }
}
