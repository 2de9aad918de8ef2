// Test helper: a plain node:http or node:https server on 127.0.0.1 for the client tests, with
// the connections it has accepted counted (keep-alive checks) and a close that ends them all.
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';

export interface NodeServer {
  readonly server: http.Server;
  /** Base URL, e.g. http://127.0.0.1:34567 (no trailing slash). */
  readonly url: string;
  readonly port: number;
  /** Connections accepted so far. */
  connections: number;
  close(): Promise<void>;
}

export async function startServer(handler: http.RequestListener, tls?: https.ServerOptions): Promise<NodeServer> {
  const server = tls === undefined ? http.createServer(handler) : https.createServer(tls, handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const result: NodeServer = {
    server,
    url: `${tls === undefined ? 'http' : 'https'}://127.0.0.1:${port}`,
    port,
    connections: 0,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
  server.on(tls === undefined ? 'connection' : 'secureConnection', () => { result.connections++; });
  return result;
}

/** Reads a request's whole body. */
export function bodyOf(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** An echo handler: answers with JSON of method, url, headers and the body received. */
export const echo: http.RequestListener = (req, res) => {
  void bodyOf(req).then((body) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body: body.toString('utf8') }));
  });
};
