// serve(): eventlet.serve — accepts connections on a GreenServer and runs a handler for each in
// its own green thread, at most `concurrency` at once. A handler's StopServe makes serve return;
// any other exception of a handler is thrown from serve (both reach the serving thread as an
// error thrown into it, wherever it waits).
import { GreenletExit, rangeError, SocketClosedError, StopServe, typeError } from '../errors';
import { theHub } from '../hub/hub';
import { requireGreenThread } from '../hub/waiter';
import { GreenPool } from '../pool/green-pool';
import { describe, validateCount, validateGreenFunction, validateOptions } from '../validate';
import type { SocketAddress } from './address';
import { GreenServer } from './green-server';
import type { GreenSocket } from './green-socket';

/** A connection handler of {@link serve}. */
export type ConnectionHandler = (sock: GreenSocket, addr: SocketAddress) => unknown;

/** Options of {@link serve}. */
export interface ServeOptions {
  /**
   * Most handlers running at once (default 1000). Further connections wait, in order, in the
   * server's accept queue and the kernel's backlog; none is dropped.
   */
  concurrency?: number;
}

/**
 * Serves connections on `server` (eventlet.serve): blocks the calling green thread, accepting
 * connections and running `handle(sock, addr)` for each in a green thread of its own, at most
 * `concurrency` at once. The client socket is closed when `handle` returns or throws.
 *
 * serve returns when a handler throws StopServe, or when `server` is closed (from another green
 * thread, or a handler). Any other exception of a handler is thrown from serve (eventlet's
 * contract); handlers still running go on to their end. The listening socket stays open when
 * serve returns, as in eventlet: close it yourself.
 * @throws TypeError for bad arguments; NotInGreenThreadError from plain JavaScript; the
 *   exception of a handler.
 */
export function serve(server: GreenServer, handle: ConnectionHandler, options?: ServeOptions): void {
  const call = 'serve()';
  if (!(server instanceof GreenServer)) throw typeError(`${call}: server must be a GreenServer (from listen()), got ${describe(server)}`);
  validateGreenFunction(handle, call, 'handle');
  validateOptions(options, call, ['concurrency']);
  const concurrency = options?.concurrency === undefined ? 1000 : validateCount(options.concurrency, call, 'concurrency');
  if (concurrency < 1) throw rangeError(`${call}: concurrency must be >= 1, got ${concurrency}`);
  const thread = requireGreenThread(call);
  const pool = new GreenPool(concurrency);
  // What a handler threw into this thread to end serve; once set, later handler exceptions
  // have nobody to be thrown from and go to hub.onError.
  let ending: { readonly error: unknown } | null = null;
  let serving = true;

  const end = (error: unknown): void => {
    if (!serving || ending !== null) {
      if (!(error instanceof StopServe)) theHub.report(error, theHub.current);
      return;
    }
    ending = { error };
    theHub.throwInto(thread, ending);
  };

  const runHandler = (sock: GreenSocket, addr: SocketAddress): void => {
    try {
      handle(sock, addr);
    } catch (error) {
      // A handler killed (GreenletExit) has just ended, as in eventlet.
      if (!(error instanceof GreenletExit)) end(error);
    } finally {
      sock.close();
    }
  };

  try {
    for (;;) {
      let accepted: [GreenSocket, SocketAddress];
      try {
        accepted = server.accept();
      } catch (error) {
        if (error instanceof SocketClosedError && server.closed) return;
        throw error;
      }
      try {
        pool.spawnN(runHandler, accepted[0], accepted[1]);
      } catch (error) {
        accepted[0].close();
        throw error;
      }
    }
  } catch (error) {
    if (ending !== null && error === ending) {
      const { error: cause } = ending as { readonly error: unknown };
      if (cause instanceof StopServe) return;
      throw cause;
    }
    throw error;
  } finally {
    serving = false;
  }
}
