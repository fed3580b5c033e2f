import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError } from '../../core/http-errors.ts';
import { registry } from '../../core/metrics.ts';
import { clusterMetrics, joinClusterMetrics } from '../../core/metrics-cluster.ts';
import { bearerCredentials } from '../tokens/index.ts';
import { userPrincipal } from '../users/index.ts';
import { addressAllow } from './address-allow.ts';

export const METRICS_PERMISSION = 'metrics.view';

const ASK_FOR_TOKEN = { 'www-authenticate': 'Bearer' };

/**
 * GET /metrics, Prometheus text. Not public: a client address ENDPOINT_METRICS_ALLOW lists
 * (loopback by default; the peer's own address unless ENDPOINT_TRUST_PROXY trusts it, then the
 * one it forwards, as request.ip has it), or a bearer token with scope metrics.view whose owner
 * holds it. Anyone else without a token gets 401 (a token would let them in), a bad token 401,
 * and a token without the scope 403. Scrapers call by address, which no ENDPOINT_ALLOWED_HOSTS
 * lists, so any Host is answered, as the probes are.
 */
export async function metricsRoute(app: FastifyInstance): Promise<void> {
  const allowed = addressAllow(app.config.metricsAllow);
  const clustered = joinClusterMetrics();

  async function mayRead(request: FastifyRequest): Promise<void> {
    if (allowed(request.ip)) return;
    const credentials = bearerCredentials(request.headers.authorization);
    if (credentials === undefined) {
      throw new HttpError(
        'unauthenticated',
        `a bearer token with scope ${METRICS_PERMISSION} is required`,
        ASK_FOR_TOKEN,
      );
    }
    const token = await app.tokens.resolve(credentials);
    if (!token) throw new HttpError('unauthenticated', 'the token is invalid, expired or revoked', ASK_FOR_TOKEN);
    if (!(await userPrincipal(app.users, token.user, token.epoch, 'token', token).can(METRICS_PERMISSION))) {
      throw new HttpError('forbidden', `requires permission ${METRICS_PERMISSION}`);
    }
  }

  app.get(
    '/metrics',
    {
      schema: { hide: true },
      config: { public: true, anyHost: true, problemJson: true, probe: true },
      onRequest: mayRead,
    },
    async (_request, reply) => {
      const text = clustered ? await clusterMetrics() : await registry.metrics();
      return reply.header('cache-control', 'no-store').type(registry.contentType).send(text);
    },
  );
}
