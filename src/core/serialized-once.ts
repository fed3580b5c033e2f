import type { FastifyReply } from 'fastify';

/**
 * For a route that answers with kept values (an epoch cache's, the same object on every hit): sends
 * each value's JSON, made by the route's response serializer the first time it is sent and kept
 * with it. Serializing a 50-user page on every request took a tenth of the list route's CPU. Make
 * one per route: the JSON is that route's schema's.
 */
export function serializedOnce(): (reply: FastifyReply, kept: object) => FastifyReply {
  const made = new WeakMap<object, string>();
  return (reply, kept) => {
    let json = made.get(kept);
    if (json === undefined) {
      // A schema's serializer makes a string; only a custom one could make bytes.
      json = reply.serialize(kept) as string;
      made.set(kept, json);
    }
    return reply.type('application/json; charset=utf-8').send(json);
  };
}
