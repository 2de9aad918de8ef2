// RequestDispatcher: runs the handler of http.serve for each request Node's parser delivers,
// each in a green thread of its own, at most `concurrency` at once; the rest wait in arrival
// order. Node emits its requests on the event loop, where nothing may block, so the listener
// only makes the request's thread and starts it, or queues it when the limit is reached: a
// thread that ends starts the next queued one in its place. Each thread is made when its
// request arrives, so it carries that moment's async context (AsyncLocalStorage stores) and
// never what an earlier request's handler left in its own thread's context.
import type { IncomingMessage, ServerResponse as NodeServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { ErrorReporting, GreenThread } from '../../green/green-thread';
import { theHub } from '../../hub/hub';
import type { AccessLogEntry } from './access-log';
import type { ConnectionTracker } from './connection-tracker';
import { answerFailure, classifyFailure, Failure } from './handler-failure';
import { type HttpHandlerResult, sendReturned } from './response-value';
import { ServerRequest } from './server-request';
import { ServerResponse } from './server-response';

/** A request handler of {@link Http.serve | http.serve}. */
export type HttpHandler = (req: ServerRequest, res: ServerResponse) => HttpHandlerResult;

/** Receives a handler's exception in place of hub.onError (the `onError` option of http.serve). */
export type HttpErrorHandler = (error: unknown, req: ServerRequest) => void;

/** @internal What the dispatcher needs from its http.serve. */
export interface DispatcherSettings {
  readonly handler: HttpHandler;
  readonly concurrency: number;
  /** False: every response closes its connection. */
  readonly keepAlive: boolean;
  readonly onError: HttpErrorHandler | null;
  readonly log: ((entry: AccessLogEntry) => void) | null;
  readonly connections: ConnectionTracker;
  /** A handler threw StopServe. */
  readonly stop: () => void;
  /** The last handler ended (checked only while stopping). */
  readonly idle: () => void;
}

/** @internal Runs the handler for each request; see the file header. */
export class RequestDispatcher {
  readonly settings: DispatcherSettings;
  // Handler threads started and not yet ended.
  running = 0;
  // Threads of requests waiting for a place, not started yet, from #head in arrival order.
  readonly #queue: Array<GreenThread | undefined> = [];
  #head = 0;

  constructor(settings: DispatcherSettings) {
    this.settings = settings;
  }

  /** Node's 'request' listener. */
  readonly onRequest = (message: IncomingMessage, res: NodeServerResponse): void => {
    this.#dispatch(message, res, false);
  };

  /** Node's 'checkContinue' listener: the `100 Continue` waits for the handler's first body read. */
  readonly onCheckContinue = (message: IncomingMessage, res: NodeServerResponse): void => {
    this.#dispatch(message, res, true);
  };

  /** Whether no handler runs and none waits. */
  get idle(): boolean {
    return this.running === 0 && this.#head === this.#queue.length;
  }

  #dispatch(message: IncomingMessage, res: NodeServerResponse, expectsContinue: boolean): void {
    this.settings.connections.requestStarted(message);
    const thread = new GreenThread(serveRequest, [this, message, res, expectsContinue], ErrorReporting.Hub);
    if (this.running < this.settings.concurrency) {
      this.running++;
      theHub.start(thread);
    } else {
      this.#queue.push(thread);
    }
  }

  /** @internal A handler thread ends: the next queued request's thread takes its place. */
  handOver(): void {
    const queue = this.#queue;
    if (this.#head < queue.length) {
      const next = queue[this.#head] as GreenThread;
      queue[this.#head++] = undefined;
      if (this.#head === queue.length) {
        queue.length = 0;
        this.#head = 0;
      }
      // Started inside its own resource: where Node keeps stores in AsyncContextFrame (24+),
      // a coroutine takes the context current at its start, which here is this thread's.
      next.resource.runInAsyncScope(startThread, null, next);
      return;
    }
    this.running--;
    if (this.settings.connections.stopping) this.settings.idle();
  }
}

function startThread(thread: GreenThread): void {
  theHub.start(thread);
}

// A handler thread's body.
function serveRequest(dispatcher: RequestDispatcher, message: IncomingMessage, res: NodeServerResponse, expectsContinue: boolean): void {
  try {
    serveOne(dispatcher, message, res, expectsContinue);
  } finally {
    dispatcher.handOver();
  }
}

function serveOne(dispatcher: RequestDispatcher, message: IncomingMessage, res: NodeServerResponse, expectsContinue: boolean): void {
  const settings = dispatcher.settings;
  const log = settings.log;
  const started = log === null ? 0 : performance.now();
  const startedAt = log === null ? 0 : Date.now();
  const connections = settings.connections;
  // Once stopping, each response closes its connection after it.
  if (!settings.keepAlive || connections.closes(message.socket)) res.shouldKeepAlive = false;
  const req = new ServerRequest(message, res, expectsContinue);
  const response = new ServerResponse(res);
  let failure: Failure | null = null;
  try {
    const value = settings.handler(req, response);
    // A stop that came while the handler ran: this response closes its connection too.
    if (connections.stopping && !res.headersSent) res.shouldKeepAlive = false;
    sendReturned(value, response);
  } catch (error) {
    failure = fail(error, req, res, settings);
  } finally {
    connections.requestDone(message.socket, res);
  }
  if (log !== null) {
    const entry: AccessLogEntry = {
      remoteAddress: req.remoteAddress,
      method: req.method,
      url: req.url,
      httpVersion: req.httpVersion,
      status: res.statusCode,
      bytes: response.bytesWritten,
      seconds: (performance.now() - started) / 1000,
      time: new Date(startedAt),
      aborted: failure === Failure.ClientGone || (res.destroyed && !res.writableFinished),
    };
    try {
      log(entry);
    } catch (error) {
      theHub.report(error, theHub.current);
    }
  }
}

// Answers the client for a handler's exception, and reports it where it is a server error.
function fail(error: unknown, req: ServerRequest, res: NodeServerResponse, settings: DispatcherSettings): Failure {
  const failure = classifyFailure(error, res);
  try {
    answerFailure(failure, res);
  } catch (answerError) {
    res.destroy();
    theHub.report(answerError, theHub.current);
  }
  if (failure === Failure.Stop) {
    settings.stop();
  } else if (failure === Failure.ServerError) {
    const onError = settings.onError;
    if (onError === null) {
      theHub.report(error, theHub.current);
    } else {
      try {
        onError(error, req);
      } catch (handlerError) {
        theHub.report(handlerError, theHub.current);
      }
    }
  }
  return failure;
}
