// Node 24 aborts the process (`CleanupQueue::Add ... Assertion failed`) when TLS secure contexts
// are created on two different OS threads: its crypto code registers a per-thread cleanup hook
// with a per-thread guard. Green threads run on OS threads of their own, so on Node 24 this
// makes every `tls.createSecureContext` called inside a green thread (directly, or by
// tls.connect, https.request, a tls.Server, wrapSsl, ...) run on the event loop's thread instead,
// while the green thread waits for it. Node's own TLS code calls it through the `tls` module's
// export, so replacing the export covers those calls too. Other Node versions are left alone.
import tls = require('node:tls');
import { realSetImmediate, theHub } from '../hub/hub';
import { Waiter } from '../hub/waiter';

const GUARDED_MAJORS = new Set([24, 25]);

let installed = false;

/** Whether this Node needs secure contexts made on the event loop's thread. */
export function secureContextNeedsLoopThread(version = process.versions.node): boolean {
  return GUARDED_MAJORS.has(Number(version.split('.')[0]));
}

/** Installs the guard once, on the Node versions that need it. */
export function installSecureContextGuard(): void {
  if (installed || !secureContextNeedsLoopThread()) return;
  installed = true;
  const original = tls.createSecureContext;
  const guarded = function createSecureContext(this: unknown, options?: tls.SecureContextOptions): tls.SecureContext {
    const thread = theHub.current;
    // On the event loop's own thread, or where the thread may not suspend (it then takes its
    // chances, as without greenthread), the original runs as it is.
    if (thread === null || thread.suspendForbidden !== null) return original.call(this, options);
    const waiter = new Waiter<tls.SecureContext>(thread);
    realSetImmediate(() => {
      try {
        waiter.wake(original.call(this, options));
      } catch (error) {
        waiter.throw(error);
      }
    });
    return waiter.wait('tls.createSecureContext()');
  };
  Object.defineProperty(guarded, 'name', { value: original.name });
  // `tls` here is the module's own exports object (not an ES namespace copy), the one Node's
  // TLS code reads the function from.
  try {
    (tls as { createSecureContext: typeof tls.createSecureContext }).createSecureContext = guarded;
  } catch {
    // A frozen module object (someone's hardening): nothing to do but leave it.
  }
}
