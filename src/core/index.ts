export * from './access.js';
export * from './errors.js';
export * from './events.js';
export * from './operations.js';
export * from './paths.js';
export * from './service.js';
export * from './types.js';
export * as schemas from './schemas.js';
