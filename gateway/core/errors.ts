/**
 * Errors with codes. Every code is listed in docs/errors.md (a test checks that).
 * `context` carries what a technician needs to find the cause (machine, file, address…).
 */
export const ERROR_CODES = {
  LG_CONFIG_INVALID: 'The configuration file does not match the schema',
  LG_CONFIG_READ: 'The configuration file cannot be read',
  LG_CONFIG_YAML: 'The configuration file is not valid YAML',
  LG_CONFIG_ENV: 'An environment reference ($NAME in braces) names a variable that is not set',
  LG_PROFILE_INVALID: 'A machine profile does not match the profile schema',
  LG_MODBUS_TIMEOUT: 'A Modbus request got no answer in time',
  LG_MODBUS_EXCEPTION: 'A Modbus device answered with an exception code',
  LG_MODBUS_CONNECT: 'The Modbus connection (TCP socket or serial port) could not be opened',
  LG_MODBUS_IO: 'The Modbus connection failed during a request (reset, closed, bad frame)',
  LG_DECODE: 'Registers could not be decoded into a value',
  LG_HTTP_LISTEN: 'The HTTP server could not listen on its address',
  LG_NOT_FOUND: 'The API was asked for something that does not exist (machine, point)',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class LinegateError extends Error {
  readonly code: ErrorCode;
  readonly context: Readonly<Record<string, unknown>>;

  constructor(
    code: ErrorCode,
    message: string,
    context: Record<string, unknown> = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'LinegateError';
    this.code = code;
    this.context = Object.freeze({ ...context });
  }
}

export function isLinegateError(e: unknown, code?: ErrorCode): e is LinegateError {
  return e instanceof LinegateError && (code === undefined || e.code === code);
}
