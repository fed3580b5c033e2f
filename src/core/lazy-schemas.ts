import AjvCompiler from '@fastify/ajv-compiler';
import SerializerSelector from '@fastify/fast-json-stringify-compiler';
import type { FastifyServerOptions } from 'fastify';

type CompilersFactory = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>;
type ValidatorFactory = NonNullable<CompilersFactory['buildValidator']>;
type Validate = ((data: unknown, context?: unknown) => unknown) & { errors?: unknown; schemaEnv?: unknown };

// Fastify's own compilers: ajv for requests, fast-json-stringify for responses.
const buildValidator = AjvCompiler() as ValidatorFactory;
const buildSerializer = SerializerSelector() as NonNullable<CompilersFactory['buildSerializer']>;

/**
 * Fastify's own compilers, each route part compiled at its first request instead of at start-up.
 * Compiling every route's schemas was a quarter of `serve`'s start-up CPU, and of each test
 * server's; most routes are never called by a given process, and a compiled function stays in
 * memory for good. Fastify has no option for it yet (fastify/fastify#6977 proposes
 * `lazySchemaCompilation`), so it is done here through the factories Fastify takes, with the
 * options it passes them. A schema that does not compile fails its route's first request rather
 * than start-up; test/openapi-fuzz.test.ts calls every operation.
 *
 * Fastify lowercases a `headers` schema's property names only for its own compiler: a route
 * validating request headers must name them in lowercase here (none does).
 */
export const lazySchemaCompilers: CompilersFactory = {
  buildValidator: (externalSchemas, options) => {
    const compileRoute = buildValidator(externalSchemas, options);
    return (route) => {
      let validate: Validate | undefined;
      const lazy: Validate = (data, context) => {
        validate ??= compileRoute(route) as Validate;
        return validate(data, context);
      };
      // Fastify reads a failed call's errors off the function, and passes the parent object only
      // to an ajv function (it has `schemaEnv`), so coercion can replace a whole querystring.
      Object.defineProperty(lazy, 'errors', { get: () => validate?.errors });
      lazy.schemaEnv = true;
      // Typed as ajv's function, of which Fastify uses only what `lazy` has.
      return lazy as ReturnType<ReturnType<ValidatorFactory>>;
    };
  },
  buildSerializer: (externalSchemas, options) => {
    const compileRoute = buildSerializer(externalSchemas, options);
    return (route) => {
      let serialize: ((data: unknown) => string) | undefined;
      return (data) => {
        serialize ??= compileRoute(route);
        return serialize(data);
      };
    };
  },
};
