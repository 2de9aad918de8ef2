// greenthread: real stackful green threads for Node.js, with eventlet's programming model.
// This is the package root; CommonJS and ESM importers both get this one module (ESM through
// Node's CommonJS interop), so they share one hub per JavaScript thread.
export { run, spawn, spawnN, spawnAfter, spawnAfterLocal } from './green/spawn';
export { sleep } from './green/sleep';
export { getCurrent, inGreenThread, kill } from './green/current';
export { waitFor } from './green/wait-for';
export { GreenThread } from './green/green-thread';
export {
  GreenthreadError, GreenletExit, NotInGreenThreadError, ThreadLimitError, AsyncScopeSuspendError, InvalidStateError,
  DeadlockError, SuspendNotAllowedError, Empty, Full, InternalError, ShuttingDownError, EngineLoadError,
  SocketTimeoutError, SocketBusyError, SocketClosedError, StopServe, RedirectError,
} from './errors';
export { configure } from './engine/configure';
export type { ConfigureOptions } from './engine/configure';
export { hub } from './green/hub-api';
export { hubTurn } from './hub/hub-turn';
export type { GreenThreadInfo } from './green/hub-api';
export type { HubStats } from './hub/hub';
export { Timeout, withTimeout } from './green/timeout';
export type { TimeoutError, WithTimeoutOptions } from './green/timeout';
export { Event } from './sync/event';
export type { EventError } from './sync/event';
export { Semaphore, BoundedSemaphore } from './sync/semaphore';
export { CappedSemaphore } from './sync/capped-semaphore';
export { LightQueue } from './queue/light-queue';
export { Queue } from './queue/queue';
export { PriorityQueue } from './queue/priority-queue';
export type { PriorityQueueOptions } from './queue/priority-queue';
export { LifoQueue } from './queue/lifo-queue';
export { GreenPool } from './pool/green-pool';
export type { IterablesOf } from './pool/green-pool';
export { GreenPile } from './pool/green-pile';
export { connect } from './io/connect';
export type { ConnectOptions } from './io/connect';
export { listen } from './io/listen';
export type { ListenOptions } from './io/listen';
export { serve } from './io/serve';
export type { ConnectionHandler, ServeOptions } from './io/serve';
export { GreenSocket } from './io/green-socket';
export type { SocketData, ShutdownHow } from './io/green-socket';
export { GreenServer } from './io/green-server';
export type { Address, HostPort, SocketAddress } from './io/address';
export { getaddrinfo, gethostbyname } from './io/resolve';
export type { AddrInfo, GetaddrinfoOptions } from './io/resolve';
export { wrapSsl } from './io/tls';
export type { WrapSslOptions } from './io/tls';
export { GreenUdpSocket, udpSocket, bindUdp } from './io/udp';
export type { HttpServeOptions } from './io/http/serve';
export type { HttpHandler, HttpErrorHandler } from './io/http/request-dispatcher';
export type { HttpResponseInit, HttpHandlerResult } from './io/http/response-value';
export type { AccessLog, AccessLogEntry } from './io/http/access-log';
export type { ServerRequest } from './io/http/server-request';
export type { ServerResponse } from './io/http/server-response';
export type { BindUdpOptions, UdpDatagram } from './io/udp';
export { monkeyPatch, isPatched, original } from './patch/monkey-patch';
export type { MonkeyPatchOptions } from './patch/monkey-patch';
export { tpool } from './patch/tpool';
export type { Tpool, TpoolStats, ModuleFunction } from './patch/tpool';
export { TpoolWorkerError } from './errors';
// AbortSignal interop (issue 9): `{ signal }` options on blocking calls, waitFor(factory), timeoutSignal.
export { timeoutSignal } from './green/timeout-signal';
export type { SignalOptions } from './hub/abort-watch';
export type { QueueWaitOptions } from './queue/light-queue';
export type { AcquireOptions } from './sync/semaphore';
export type { EventWaitOptions } from './sync/event';
export { importPatched } from './patch/import-patched';
export { channelNames } from './hub/channels';
export type { EndMessage, SpawnMessage } from './hub/channels';
export type { BlockingMessage } from './hub/blocking-detection';
// HTTP (issue 11): the server (types above) and the client.
export { http } from './io/http/http';
export type { Http } from './io/http/http';
export { HttpClientResponse } from './io/http/client-response';
export type { HttpGetOptions, HttpRequestOptions, HttpTlsOptions } from './io/http/client-options';
export type { HttpHeaders } from './io/http/headers';
export type { BodyChunk, BodySource } from './io/http/body-writer';
