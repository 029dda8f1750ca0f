export * from './errors.js';
export * from './events.js';
export * from './outbox.js';
export * from './points.js';
export * from './sample.js';
export * from './source.js';
