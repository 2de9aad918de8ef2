// The GreenServers of this process that are open, so a graceful stop (a `greenthread --workers`
// worker asked to stop) can close every listening socket the script opened without the script's
// help, and learn when the connections they accepted have all ended.
import type * as net from 'node:net';

/** What the registry needs of a GreenServer (green-server.ts imports this file, not the reverse). */
interface Closable {
  close(): void;
  readonly nodeServer: net.Server;
}

const open = new Set<Closable>();

/** @internal A GreenServer starts listening (or takes over a Node server). */
export function addOpenServer(server: Closable): void {
  open.add(server);
}

/** @internal A GreenServer is closed (or handed its Node server to another). */
export function removeOpenServer(server: Closable): void {
  open.delete(server);
}

/**
 * @internal Closes every open GreenServer (a thread blocked in its accept() gets
 * SocketClosedError, so `serve` returns), and calls `drained` once each one's Node server has
 * closed, that is once every connection it accepted has ended (at once if there is none).
 * Callable from plain JavaScript (a signal handler).
 */
export function closeOpenServers(drained: () => void): void {
  let waiting = 1;
  const one = (): void => {
    if (--waiting === 0) drained();
  };
  for (const server of [...open]) {
    const node = server.nodeServer;
    // Node emits 'close' when the server stops listening and its last connection has closed;
    // a server closed some other way already may never emit it again.
    if (node.listening) {
      waiting++;
      node.once('close', one);
    }
    server.close();
  }
  one();
}
