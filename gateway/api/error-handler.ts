import type { FastifyError, FastifyInstance } from 'fastify';

/**
 * Every error answers `{ code, message }`: a client error keeps its 4xx (malformed JSON, body
 * too large, bad content type…), anything else is a 500 with a generic message. Never a stack.
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const code = status === 413 ? 'LG_BODY_TOO_LARGE' : 'LG_BAD_REQUEST';
      return reply.code(status).send({ code, message: err.message });
    }
    req.log.error({ err, url: req.url }, 'request failed');
    return reply.code(500).send({ code: 'LG_INTERNAL', message: 'internal error / lỗi nội bộ' });
  });
  app.setNotFoundHandler((req, reply) =>
    reply
      .code(404)
      .send({ code: 'LG_NOT_FOUND', message: `no route ${req.method} ${req.url.split('?')[0]}` }),
  );
}
