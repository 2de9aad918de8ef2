// greenthread: real stackful green threads for Node.js, with eventlet's programming model.
// This is the package root; CommonJS and ESM importers both get this one module (ESM through
// Node's CommonJS interop), so they share one hub per JavaScript thread.
export { run, spawn, spawnN, spawnAfter, spawnAfterLocal } from './spawn';
export { sleep } from './sleep';
export { getCurrent, inGreenThread, kill } from './current';
export { waitFor } from './wait-for';
export { GreenThread } from './green-thread';
export { GreenletExit, NotInGreenThreadError, ThreadLimitError, AsyncScopeSuspendError } from './errors';
export { configure } from './configure';
export type { ConfigureOptions } from './configure';
export { hub } from './hub-api';
export type { GreenThreadInfo } from './hub-api';
export { Timeout, withTimeout } from './timeout';
export type { TimeoutError, WithTimeoutOptions } from './timeout';
export { Event } from './event';
export type { EventError } from './event';
export { Semaphore, BoundedSemaphore } from './semaphore';
export { CappedSemaphore } from './capped-semaphore';
export { LightQueue } from './light-queue';
export { Queue } from './queue';
export { PriorityQueue } from './priority-queue';
export type { PriorityQueueOptions } from './priority-queue';
export { LifoQueue } from './lifo-queue';
export { Empty, Full } from './queue-errors';
export { GreenPool } from './green-pool';
export type { IterablesOf } from './green-pool';
export { GreenPile } from './green-pile';
