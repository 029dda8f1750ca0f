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
  LG_BAD_REQUEST: 'An API request had missing or invalid parameters',
  LG_NOT_FOUND: 'The API was asked for something that does not exist (machine, point)',
  LG_MQTT_LISTEN: 'The embedded MQTT broker could not listen on its address',
  LG_MQTT_CONNECT: 'An external MQTT broker could not be reached or refused the connection',
  LG_MQTT_TLS: 'The TLS handshake with an external MQTT broker failed (certificate not trusted, refused)',
  LG_MQTT_ACL: 'An MQTT client published to a topic it has no grant for; the connection was closed',
  LG_MQTT_PERSIST: 'MQTT samples could not be stored; the messages were not acknowledged',
  LG_STORE_OPEN: 'The local database could not be opened or created',
  LG_STORE_SCHEMA: 'The local database has a newer schema than this linegate, or a migration failed',
  LG_STORE_FULL: 'The local database could not write: the disk or the SQLite page limit is full',
  LG_STORE_IO: 'The local database failed to write or read for another reason (I/O error, locked)',
  LG_STORE_SINK: 'An outbox was used against its calling rules (unknown sink, batch of another sink)',
  LG_STORE_INVALID: 'A value given to the store cannot be stored or queried (bad event, bad range)',
  LG_SINK_UNREACHABLE:
    'A sink could not be reached or answered with a server error; rows are kept and resent',
  LG_SINK_AUTH: 'A sink refused the credentials (HTTP 401/403); rows are kept, retried slowly',
  LG_SINK_REFUSED:
    'A sink refused the request as a whole (e.g. database not found); rows are kept, retried slowly',
  LG_SINK_BAD_LINE: 'A row was refused for good (the server could not parse or store it); it is quarantined',
  LG_ALARM_STATE:
    'An alarm command does not fit the alarm state (ack of an acknowledged alarm, unshelve of one not shelved)',
  LG_NOTIFY_SEND:
    'A notification could not be delivered (channel down, refused); it stays queued and is retried',
  LG_DATA_DIR_LOCKED:
    'Another running linegate holds the data directory (its lock file names a live process)',
  LG_BACKUP_INVALID:
    'A backup file is not a linegate backup, fails the integrity check, or its config copy was altered',
  LG_BACKUP_TARGET: 'The backup or restore target exists already or cannot be written',
  LG_AUTH_REQUIRED: 'The API route needs a signed-in user (or kiosk read access) and there was none',
  LG_AUTH_FAILED: 'Sign-in refused: wrong user name or password (same answer for unknown users)',
  LG_AUTH_RATE_LIMITED: 'Sign-in refused for a while: too many failed tries for this account or address',
  LG_FORBIDDEN: 'The signed-in user has no role that this API route allows',
  LG_NO_POLICY:
    'The API route declares no access policy (deny by default), or a read-only route got a change',
  LG_CSRF: 'A state-changing request came from another origin or without the session CSRF token',
  LG_BODY_TOO_LARGE: 'The request body is larger than dashboard.bodyLimitBytes',
  LG_CONFLICT: 'The change conflicts with what exists (user name taken, last admin)',
  LG_INTERNAL: 'An API request failed inside the gateway (logged with its cause; the client sees no detail)',
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
