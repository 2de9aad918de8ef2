// The access log of http.serve (its `log` option): one entry per request once its handler is
// done, given to a function as an object, or written to a stream as a line in eventlet.wsgi's
// format (the Common Log Format's fields and the seconds the handler took):
//   127.0.0.1 - - [11/Mar/2025 14:02:07] "GET /items?page=2 HTTP/1.1" 200 1534 0.000412
import type { Writable } from 'node:stream';
import { typeError } from '../../errors';
import { describe } from '../../validate';

/** One request in the access log of {@link Http.serve | http.serve}. */
export interface AccessLogEntry {
  /** The client's IP address ('' over a Unix socket). */
  remoteAddress: string;
  /** The request method. */
  method: string;
  /** The request target as sent. */
  url: string;
  /** The HTTP version the client spoke: '1.1' or '1.0'. */
  httpVersion: string;
  /** The status code sent (or that would have been, for a client that went away). */
  status: number;
  /** Body bytes the handler sent. */
  bytes: number;
  /** Seconds from the start of the handler to the end of its response. */
  seconds: number;
  /** When the request started. */
  time: Date;
  /** Whether the client went away before the response was complete. */
  aborted: boolean;
}

/** The `log` option of {@link Http.serve | http.serve}: a function given each entry, or a stream written a line per request. */
export type AccessLog = ((entry: AccessLogEntry) => void) | Writable;

/** @internal The function taking each entry, from the `log` option; null for none. */
export function accessLogger(log: unknown, call: string): ((entry: AccessLogEntry) => void) | null {
  if (log === undefined || log === null || log === false) return null;
  if (typeof log === 'function') return log as (entry: AccessLogEntry) => void;
  if (typeof log === 'object' && typeof (log as Writable).write === 'function') {
    const stream = log as Writable;
    return (entry) => { stream.write(formatEntry(entry)); };
  }
  throw typeError(`${call}: log must be a function or a writable stream, got ${describe(log)}`);
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function two(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** @internal `entry` as a line of text (eventlet.wsgi's default format, local time). */
export function formatEntry(entry: AccessLogEntry): string {
  const t = entry.time;
  const when = `${two(t.getDate())}/${MONTHS[t.getMonth()]}/${t.getFullYear()} ${two(t.getHours())}:${two(t.getMinutes())}:${two(t.getSeconds())}`;
  const request = `${entry.method} ${entry.url} HTTP/${entry.httpVersion}`;
  return `${entry.remoteAddress || '-'} - - [${when}] ${JSON.stringify(request)} ${entry.status} ${entry.bytes} ${entry.seconds.toFixed(6)}\n`;
}
