import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { codeForStatus, ERRORS, type ErrorCode, HttpError } from './http-errors.ts';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  code: ErrorCode;
  instance: string;
}

/** Methods that change nothing, so need no CSRF or origin check. */
export const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Routes whose clients are programs (API, hooks, probes) get problem+json; the rest an HTML page. */
export function wantsProblemJson(url: string): boolean {
  return /^\/(api|hooks|healthz|readyz|metrics)(\/|\?|$)/.test(url);
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Errors are problem+json on this route wherever its path is (a hook at a legacy path). */
    problemJson?: boolean;
  }
}

const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad_request',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'bad_request',
  FST_ERR_CTP_INVALID_JSON_BODY: 'bad_request',
  FST_CSRF_INVALID_TOKEN: 'csrf_failed',
  FST_CSRF_MISSING_SECRET: 'csrf_failed',
};

/** Turns any thrown value into the problem the client sees; never exposes a 5xx cause. */
export function toProblem(
  error: unknown,
  request: FastifyRequest,
): { problem: Problem; headers: Record<string, string> } {
  let code: ErrorCode;
  let detail: string | undefined;
  let headers: Record<string, string> = {};
  const fastifyError = error as Partial<FastifyError>;
  if (error instanceof HttpError) {
    code = error.code;
    detail = error.detail;
    headers = error.headers;
  } else if (fastifyError.validation) {
    code = 'validation_failed';
    detail = fastifyError.message;
  } else if (fastifyError.code && FASTIFY_CODES[fastifyError.code]) {
    code = FASTIFY_CODES[fastifyError.code];
    detail = fastifyError.message;
  } else if (
    typeof fastifyError.statusCode === 'number' &&
    fastifyError.statusCode < 500 &&
    fastifyError.statusCode >= 400
  ) {
    code = codeForStatus(fastifyError.statusCode);
    detail = fastifyError.message;
  } else {
    code = 'internal';
  }
  const { status, title } = ERRORS[code];
  return {
    problem: { type: 'about:blank', title, status, detail, code, instance: request.url.split('?')[0] },
    headers,
  };
}

/** Sends a problem as problem+json on /api and /hooks, as the HTML error page elsewhere. */
export function sendProblem(
  request: FastifyRequest,
  reply: FastifyReply,
  problem: Problem,
  headers = {},
): FastifyReply {
  reply.code(problem.status).headers(headers);
  if (wantsProblemJson(request.url) || request.routeOptions.config?.problemJson) {
    return reply.type('application/problem+json').send(problem);
  }
  return reply.type('text/html; charset=utf-8').view('templates/error.eta', { problem, principal: request.principal });
}

/** The app's one error handler and one not-found handler. */
export function registerErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const { problem, headers } = toProblem(error, request);
    if (problem.status >= 500) request.log.error({ err: error }, 'request failed');
    return sendProblem(request, reply, problem, headers);
  });
  app.setNotFoundHandler((request, reply) => {
    const { problem } = toProblem(new HttpError('not_found'), request);
    return sendProblem(request, reply, problem);
  });
}

/**
 * A URL the router cannot decode. Fastify answers it before any plugin has run, so there is no
 * template engine yet: pages get a fixed page rather than the layout.
 */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const { problem } = toProblem(
    error.code === 'FST_ERR_BAD_URL' ? new HttpError('bad_request', 'malformed URL') : error,
    request,
  );
  reply.code(problem.status);
  if (wantsProblemJson(request.url)) {
    reply.type('application/problem+json').send(problem);
  } else {
    reply
      .type('text/html; charset=utf-8')
      .send(`<!doctype html><title>${problem.title}</title><h1>${problem.title}</h1>`);
  }
}

/** A path parameter longer than the router accepts; raw Node objects, so answered by hand. */
export function onMaxParamLength(_path: string, request: IncomingMessage, response: ServerResponse): void {
  const { status, title } = ERRORS.uri_too_long;
  const problem = { type: 'about:blank', title, status, code: 'uri_too_long', instance: request.url?.split('?')[0] };
  response.writeHead(status, { 'content-type': 'application/problem+json; charset=utf-8' });
  response.end(JSON.stringify(problem));
}

/** Marks a reply as private to the caller: pages and answers about who is logged in. */
export function noStore(reply: FastifyReply): void {
  reply.header('cache-control', 'no-store');
}
