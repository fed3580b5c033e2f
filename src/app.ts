import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import formbody from '@fastify/formbody';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import view from '@fastify/view';
import { Eta } from 'eta';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';
import { type Config, ConfigError } from './config.ts';
import { allowedHosts } from './core/allowed-hosts.ts';
import { apiScope } from './core/api-scope.ts';
import { authPlugin } from './core/auth.ts';
import { createDb, type Db } from './core/db.ts';
import { collectEventTypes, eventMessageSchemas } from './core/events.ts';
import { refuseNonFiniteNumbers } from './core/finite-numbers.ts';
import type { HookHandler } from './core/hook-handlers.ts';
import { frameworkErrors, onMaxParamLength, registerErrorHandlers } from './core/http.ts';
import { lazySchemaCompilers } from './core/lazy-schemas.ts';
import {
  type AdminPackage,
  type AnyPackage,
  collectAdminModels,
  collectHandlers,
  collectPermissions,
  type Services,
} from './core/package.ts';
import { pageScope } from './core/page-scope.ts';
import { probes } from './core/probes.ts';
import { createSharedCounters, type SharedCounters } from './core/redis.ts';
import { RequestLog } from './core/request-log.ts';
import { securityHeaders } from './core/security-headers.ts';
import { createServices } from './core/services.ts';
import { packages as installed } from './packages/index.ts';

export const permissions = collectPermissions(installed);

export const handlers = collectHandlers(installed);

declare module 'fastify' {
  // Every package's services, decorated by name below: `app.users`, `app.tokens`, `app.hooks`, ...
  interface FastifyInstance extends Services {
    config: Config;
    db: Db;
    permissions: ReadonlyMap<string, string>;
    hookHandlers: ReadonlyMap<string, HookHandler>;
    /** Every package's admin models (core/admin.ts), for the admin package. */
    adminModels: readonly AdminPackage[];
    redis: Redis | undefined;
    /** The Redis connection and whether it answers, for /readyz; undefined without ENDPOINT_REDIS_URL. */
    sharedCounters: SharedCounters | undefined;
    /** One-time token for /setup while the database has no user; undefined otherwise. */
    setupToken: string | undefined;
  }
}

export interface AppOptions {
  /** An open database to use (tests, CLI); otherwise one is opened from the config and closed with the app. */
  db?: Db;
  logger?: FastifyServerOptions['logger'];
  /** Where answered requests' lines go, when not through `logger` (core/request-log.ts). */
  requestLines?: FastifyBaseLogger;
  setupToken?: string;
  /** The packages to serve, for tests that add their own (a hook handler); the installed list by default. */
  packages?: readonly AnyPackage[];
}

// Templates and stylesheets stay in src/ whether the code runs from src/ (tsx) or dist/ (compiled).
const ROOT = new URL('../', import.meta.url);
const SOURCES = new URL('src/', ROOT);

/** Builds the app without listening: server.ts listens, tests may inject. */
export async function buildApp(config: Config, options: AppOptions = {}): Promise<FastifyInstance> {
  if (!config.secretKey) throw new ConfigError('ENDPOINT_SECRET_KEY must be set (at least 32 characters)');
  const serverOptions: FastifyServerOptions = {
    logger: options.logger ?? false,
    // Fastify takes a hop count too, though its types list only booleans and addresses.
    trustProxy: config.trustProxy as FastifyServerOptions['trustProxy'],
    bodyLimit: config.bodyLimit,
    // A request that reaches a closing server on a kept-alive connection is served, with
    // `Connection: close`, rather than refused with 503: a sender that already sent a delivery
    // gets it stored, and each connection still ends after that one answer.
    return503OnClosing: false,
    frameworkErrors,
    logController: new RequestLog(options.requestLines),
    // `/api/v1/groups/` is `/api/v1/groups`, as `/users/` is `/users` (DESIGN names that one with
    // its slash): a client's spelling of a collection never lands on `/:id` and a 400.
    routerOptions: { onMaxParamLength, ignoreTrailingSlash: true },
    schemaController: { compilersFactory: lazySchemaCompilers },
  };
  const app = Fastify(serverOptions);
  const packages = options.packages ?? installed;
  const db = options.db ?? createDb(config.databaseUrl);
  const sharedCounters = config.redisUrl ? await createSharedCounters(config.redisUrl, app.log) : undefined;
  const redis = sharedCounters?.client;
  app.decorate('config', config);
  app.decorate('db', db);
  app.decorate('permissions', collectPermissions(packages));
  app.decorate('hookHandlers', collectHandlers(packages));
  app.decorate('adminModels', collectAdminModels(packages));
  app.decorate('redis', redis);
  app.decorate('sharedCounters', sharedCounters);
  app.decorate('setupToken', options.setupToken);
  // Connected before the first request, so the first logins already share their counts.
  app.addHook('onReady', async () => {
    await redis?.connect().catch(() => {});
  });
  app.addHook('onClose', async () => {
    redis?.disconnect();
    if (!options.db) await db.destroy();
  });

  // 1. External plugins every scope relies on: security headers first so every answer has them,
  //    cookies before anything reads a session, templates before any error page is rendered.
  securityHeaders(app, {
    contentSecurityPolicy: { directives: { 'form-action': ["'self'"], 'upgrade-insecure-requests': null } },
  });
  // A request for a host not allowed ends here, with helmet's headers but before any cookie is read.
  await allowedHosts(app);
  await app.register(cookie, { secret: config.secretKey });
  await app.register(view, {
    engine: { eta: new Eta({ autoEscape: true, cache: true }) },
    root: SOURCES.pathname,
    viewExt: 'eta',
  });
  await app.register(fastifyStatic, {
    root: [new URL('node_modules/simpledotcss/', ROOT).pathname, new URL('templates/', SOURCES).pathname],
    prefix: '/static/',
    allowedPath: (path) => path === '/simple.min.css' || path === '/endpoint.css',
    maxAge: '1d',
  });
  await app.register(swagger, {
    openapi: {
      info: { title: 'Endpoint API', version: '1' },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'endpoint_session' },
          bearer: { type: 'http', scheme: 'bearer' },
        },
        // What subscribers receive: one message schema per event type, `event.<type>`.
        schemas: eventMessageSchemas(collectEventTypes(packages)),
      },
    },
  });

  // 2. Core: one error handler and one not-found handler, numbers the schemas let through, the
  //    principal, health probes.
  registerErrorHandlers(app);
  refuseNonFiniteNumbers(app);
  await app.register(authPlugin);
  await app.register(probes);

  // 3. Packages: services first, so every page and API route can use every service, then what
  //    each adds to the whole server (the session cookie, bearer tokens, background work), in
  //    list order: a later package's request hook runs after, and wins over, an earlier one's.
  const services = createServices(packages, { db, config, log: app.log, redis });
  for (const [name, service] of Object.entries(services)) app.decorate(name, service);
  for (const pkg of packages) if (pkg.plugin) await app.register(fp(pkg.plugin, { name: pkg.name }));
  await app.register(
    async (api) => {
      await apiScope(api);
      for (const pkg of packages) if (pkg.api) await api.register(pkg.api);
    },
    { prefix: '/api/v1' },
  );
  await app.register(async (pages) => {
    await pageScope(pages, { formbody, csrf });
    for (const pkg of packages) if (pkg.pages) await pages.register(pkg.pages);
  });
  // Calls from remote services: outside the page scope, so neither CSRF nor form parsing applies.
  await app.register(async (hooks) => {
    for (const pkg of packages) if (pkg.receivers) await hooks.register(pkg.receivers);
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs', staticCSP: true });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  return app;
}
