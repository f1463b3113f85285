import { Injectable, RequestMethod } from '@nestjs/common';
import { PATH_METADATA, METHOD_METADATA } from '@nestjs/common/constants.js';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { AUTH_KIND, type AuthKind } from '../auth/auth.decorators';

/** One route served by a Nest controller. */
export interface CatalogRoute {
  /** Upper-case HTTP method. */
  readonly method: string;
  /** Path template as the router sees it, e.g. `/api/v2/connections/:connectionId`. */
  readonly path: string;
  /** Names of the path parameters, in order. */
  readonly params: readonly string[];
  /** Who may call it (undefined: declared nothing — refused by the guard). */
  readonly auth: AuthKind | undefined;
  readonly controller: string;
  readonly handler: string;
}

const asArray = (v: string | string[] | undefined): string[] => (v === undefined ? [''] : Array.isArray(v) ? v : [v]);
const join = (...parts: string[]): string => `/${parts.map((p) => p.replace(/^\/+|\/+$/g, '')).filter(Boolean).join('/')}`;

/**
 * Every controller route of the running app, read from Nest's own metadata (controllers
 * discovered at runtime). Tests build on it — the isolation harness covers a new route
 * without being told about it.
 */
@Injectable()
export class RouteCatalog {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
  ) {}

  /** All routes, sorted by path then method. */
  routes(): CatalogRoute[] {
    const routes: CatalogRoute[] = [];
    for (const wrapper of this.discovery.getControllers()) {
      const { instance, metatype } = wrapper;
      if (!instance || !metatype) continue;
      const prototype = Object.getPrototypeOf(instance) as object;
      const controllerPaths = asArray(Reflect.getMetadata(PATH_METADATA, metatype) as string | string[] | undefined);
      for (const name of this.scanner.getAllMethodNames(prototype)) {
        const handler = (prototype as Record<string, unknown>)[name] as (...args: unknown[]) => unknown;
        const methodPaths = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (methodPaths === undefined || method === undefined) continue;
        const auth = this.reflector.getAllAndOverride<AuthKind | undefined>(AUTH_KIND, [handler, metatype]);
        for (const c of controllerPaths) {
          for (const m of asArray(methodPaths)) {
            const path = join(c, m);
            routes.push({
              method: RequestMethod[method],
              path,
              params: [...path.matchAll(/:([A-Za-z0-9_]+)/g)].map((x) => x[1] as string),
              auth,
              controller: metatype.name,
              handler: name,
            });
          }
        }
      }
    }
    return routes.sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
  }
}
