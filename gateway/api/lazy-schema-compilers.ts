import { createRequire } from 'node:module';
import type { FastifyServerOptions } from 'fastify';

/**
 * Fastify's default schema compilers (ajv for validation, fast-json-stringify for responses),
 * loaded when the first route with a schema is compiled instead of when the app is created
 * (docs/footprint.md: ajv and fast-json-stringify are ~3.5 MB of RSS, and the gateway's routes
 * declare no schemas). They are the very selectors Fastify would have built itself, resolved
 * from Fastify's own dependencies, so a route that does declare a schema behaves the same.
 * (Fastify then treats the validator as custom, which only means that header schemas are
 * matched as written instead of being lower-cased first: declare header names in lower case.)
 */
const fromFastify = createRequire(createRequire(import.meta.url).resolve('fastify'));

type Factory = (...args: unknown[]) => unknown;
let validator: Factory | null = null;
let serializer: Factory | null = null;

export function lazySchemaCompilers(): NonNullable<FastifyServerOptions['schemaController']> {
  return {
    compilersFactory: {
      buildValidator: (...args: unknown[]) => {
        validator ??= (fromFastify('@fastify/ajv-compiler') as () => Factory)();
        return validator(...args);
      },
      buildSerializer: (...args: unknown[]) => {
        serializer ??= (fromFastify('@fastify/fast-json-stringify-compiler') as () => Factory)();
        return serializer(...args);
      },
    },
  } as NonNullable<FastifyServerOptions['schemaController']>;
}
