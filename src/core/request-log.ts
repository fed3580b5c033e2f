import { type FastifyReply, type FastifyRequest, LogController } from 'fastify';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A health probe: logged at debug, since a load balancer calls it every few seconds forever. */
    probe?: boolean;
  }
}

/**
 * One log line a request, once answered: method, URL, host, address (the `req` serializer), status
 * and time taken, where Fastify writes two (one on arrival). Health probes log at debug.
 */
export class RequestLog extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const line = { req: request, res: reply, responseTime: reply.elapsedTime };
    if (error) reply.log.error({ ...line, err: error }, 'request errored');
    else if (request.routeOptions.config?.probe) reply.log.debug(line, 'request completed');
    else reply.log.info(line, 'request completed');
  }
}
