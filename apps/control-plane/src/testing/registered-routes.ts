import type { NestFastifyApplication } from '@nestjs/platform-fastify';

export interface RegisteredRoute {
  method: string;
  /** Fastify's pattern, e.g. /api/v1/agent/runs/:runId/cancel */
  path: string;
}

/**
 * Every route the app's Fastify instance serves, controllers, Swagger and plugins alike. Read from
 * `printRoutes()`, Fastify's only public listing: a tree where each node adds its label to its
 * parent's path, four columns per level, methods in parentheses.
 */
export function registeredRoutes(app: NestFastifyApplication): RegisteredRoute[] {
  const tree = app.getHttpAdapter().getInstance().printRoutes({ commonPrefix: false });
  const pathAtDepth: string[] = [];
  const routes: RegisteredRoute[] = [];
  for (const line of tree.split('\n')) {
    const node = /^((?:│ {3}| {4})*)[├└]── (.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!node) continue;
    const depth = node[1].length / 4;
    const path = (depth > 0 ? pathAtDepth[depth - 1] : '') + node[2];
    pathAtDepth.length = depth;
    pathAtDepth[depth] = path;
    for (const method of node[3]?.split(', ') ?? []) routes.push({ method, path });
  }
  return routes;
}
