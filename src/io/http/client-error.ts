// What http.serve does with a connection whose client sent what Node cannot parse (a bad
// request line, header or chunk; headers too large; a request too slow): Node's own answer (a
// bare 400, 408, 413 or 431, then the connection closed), except that requests received whole
// before the garbage are still answered first, as eventlet answers a request followed by junk.
import type * as net from 'node:net';
import { STATUS_CODES } from 'node:http';
import type { ConnectionTracker } from './connection-tracker';

const STATUS_BY_CODE: Record<string, number> = {
  HPE_HEADER_OVERFLOW: 431,
  HPE_CHUNK_EXTENSIONS_OVERFLOW: 413,
  ERR_HTTP_REQUEST_TIMEOUT: 408,
};

/** @internal The 'clientError' listener of http.serve's Node server. */
export function clientErrorListener(connections: ConnectionTracker): (error: Error & { code?: string }, socket: net.Socket) => void {
  return (error, socket) => {
    if (error.code !== 'ERR_HTTP_REQUEST_TIMEOUT' && connections.closeAfterRequests(socket)) return;
    // As Node's default: an answer only where no response to this connection has started.
    const current = (socket as { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
    if (socket.writable && current?.headersSent !== true) {
      const status = STATUS_BY_CODE[error.code ?? ''] ?? 400;
      socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nConnection: close\r\n\r\n`);
    }
    socket.destroy();
  };
}
