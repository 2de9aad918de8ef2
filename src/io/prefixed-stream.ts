// A Duplex over a Node socket that first yields bytes already taken from it. wrapSsl needs it
// when a GreenSocket handed over has read past the plain-text part (a STARTTLS client that sent
// its TLS hello right behind its command): node:tls reads from a socket's handle, below the
// bytes read already, which would otherwise be lost.
import type * as net from 'node:net';
import { Duplex } from 'node:stream';

/** `socket`'s data, with `prefix` in front of it, as one Duplex; writes and the ends pass through. */
export function prefixedStream(socket: net.Socket, prefix: Buffer): Duplex {
  const duplex = new Duplex({
    read(): void {
      socket.resume();
    },
    write(chunk: Buffer, _encoding, callback): void {
      socket.write(chunk, callback);
    },
    final(callback): void {
      socket.end(callback);
    },
    destroy(error, callback): void {
      socket.destroy(error ?? undefined);
      callback(error);
    },
  });
  duplex.push(prefix);
  socket.on('data', (chunk: Buffer) => {
    if (!duplex.push(chunk)) socket.pause();
  });
  socket.on('end', () => duplex.push(null));
  socket.on('error', (error) => duplex.destroy(error));
  socket.on('close', () => duplex.destroy());
  return duplex;
}
