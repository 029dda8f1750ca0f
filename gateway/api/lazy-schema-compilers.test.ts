import { createRequire } from 'node:module';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { lazySchemaCompilers } from './lazy-schema-compilers.js';

/** Whether a CommonJS module whose path contains `part` is loaded in this process. */
const loaded = (part: string) =>
  Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes(part));

describe('schema compilers loaded on first use', () => {
  it('an app whose routes have no schema never loads ajv or fast-json-stringify', async () => {
    const app = Fastify({ schemaController: lazySchemaCompilers() });
    app.get('/plain', async () => ({ ok: true }));
    await app.ready();
    expect((await app.inject({ url: '/plain' })).json()).toEqual({ ok: true });
    await app.close();
    expect(loaded('/node_modules/fastify/'), 'the check sees CommonJS modules').toBe(true);
    expect(loaded('/node_modules/ajv/')).toBe(false);
    expect(loaded('/node_modules/@fastify/ajv-compiler/')).toBe(false);
    expect(loaded('/node_modules/fast-json-stringify/index.js')).toBe(false);
  });

  it('a route with a schema validates and serializes as with the default compilers', async () => {
    const app = Fastify({ schemaController: lazySchemaCompilers() });
    app.post(
      '/echo',
      {
        schema: {
          body: {
            type: 'object',
            required: ['n'],
            properties: { n: { type: 'integer', minimum: 1 } },
          },
          querystring: { type: 'object', properties: { twice: { type: 'boolean' } } },
          response: { 200: { type: 'object', properties: { n: { type: 'integer' } } } },
        },
      },
      async (req) => {
        const { n } = req.body as { n: number };
        const { twice } = req.query as { twice?: boolean };
        return { n: twice ? 2 * n : n, secret: 'not in the response schema' };
      },
    );
    app.get('/plain', async () => ({ ok: true }));
    try {
      const bad = await app.inject({ method: 'POST', url: '/echo', payload: { n: 0 } });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().message).toContain('body/n must be >= 1');
      const missing = await app.inject({ method: 'POST', url: '/echo', payload: {} });
      expect(missing.statusCode).toBe(400);
      const ok = await app.inject({ method: 'POST', url: '/echo?twice=true', payload: { n: 3 } });
      expect(ok.statusCode).toBe(200);
      expect(ok.json()).toEqual({ n: 6 }); // coerced query, response schema applied
      expect((await app.inject({ url: '/plain' })).json()).toEqual({ ok: true });
    } finally {
      await app.close();
    }
  });
});
