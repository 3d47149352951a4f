import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Set while a pull source with others after it is tried (src/core/registry/mirrors.ts): the transport then sends each
 * request once, as containers/image tries each pull source once, so a source that is down costs one refused
 * connection rather than a backoff.
 */
export const singleAttempt = new AsyncLocalStorage<boolean>();
