import type { FastifyInstance } from 'fastify';

export interface RegisteredRoute {
  method: string;
  url: string;
}

/**
 * Every method + path the router knows, read from Fastify's route tree (independent of the OpenAPI
 * plugin, which only sees what it is shown). Each line is `<tree drawing><segment> (<METHODS>)`,
 * indented four columns per level; a path is its ancestors' segments joined. HEAD routes Fastify adds
 * for GET are left out.
 */
export function registeredRoutes(app: FastifyInstance): RegisteredRoute[] {
  const routes: RegisteredRoute[] = [];
  const ancestors: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const start = line.search(/[^\s│├└─]/);
    if (start < 0) continue;
    const match = /^(\S+)(?: \(([A-Z, ]+)\))?$/.exec(line.slice(start));
    if (!match) throw new Error(`unexpected route tree line: ${line}`);
    const [, segment = '', methods = ''] = match;
    ancestors.length = start / 4 - 1;
    const url = ancestors.join('') + segment;
    ancestors.push(segment);
    for (const method of methods.split(',').map((m) => m.trim())) {
      if (method && method !== 'HEAD') routes.push({ method, url });
    }
  }
  return routes;
}
