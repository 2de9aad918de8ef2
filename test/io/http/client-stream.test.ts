// Bodies that do not fit in memory: a 256 MiB download read chunk by chunk and a 64 MiB upload
// from a generator, each with the process's RSS checked to stay far below the body's size
// (back-pressure both ways: the connection is paused while nobody reads, a write waits for
// 'drain'). Sizes, not times, are checked.
import { http } from '../../../src';
import { green } from '../../helpers';
import { type NodeServer, startServer } from './node-server';

const MiB = 1024 * 1024;
const DOWNLOAD = 256 * MiB;
const UPLOAD = 64 * MiB;
// RSS may grow by this much at most while the body streams through: half the download, so a
// body held whole fails, with room for the garbage the collector has not yet freed (Node 24
// was measured at 99 MiB of growth: its heap grows further before collecting).
const RSS_LIMIT = 128 * MiB;

let server: NodeServer;
beforeAll(async () => {
  const block = Buffer.alloc(64 * 1024, 'z');
  server = await startServer((req, res) => {
    if (req.url === '/download') {
      res.writeHead(200, { 'content-length': String(DOWNLOAD) });
      let sent = 0;
      const pump = (): void => {
        while (sent < DOWNLOAD) {
          sent += block.length;
          if (!res.write(block)) {
            res.once('drain', pump);
            return;
          }
        }
        res.end();
      };
      pump();
    } else {
      let received = 0;
      req.on('data', (chunk: Buffer) => { received += chunk.length; });
      req.on('end', () => res.end(String(received)));
    }
  });
});
afterAll(() => server.close());

test('a 256 MiB download streams through with bounded memory', async () => {
  global.gc?.();
  const result = await green(() => {
    const base = process.memoryUsage().rss;
    let peak = 0;
    let total = 0;
    let reads = 0;
    let wrong = 0;
    const res = http.get(`${server.url}/download`);
    for (const chunk of res) {
      total += chunk.length;
      if (chunk[0] !== 0x7a) wrong++;
      if (++reads % 256 === 0) peak = Math.max(peak, process.memoryUsage().rss - base);
    }
    return { status: res.status, total, wrong, peak };
  });
  expect(result).toMatchObject({ status: 200, total: DOWNLOAD, wrong: 0 });
  expect(result.peak).toBeLessThan(RSS_LIMIT);
});

test('a 64 MiB upload from a generator streams out with bounded memory', async () => {
  global.gc?.();
  const result = await green(() => {
    const base = process.memoryUsage().rss;
    let peak = 0;
    let produced = 0;
    function* body(): Generator<Buffer> {
      while (produced < UPLOAD) {
        produced += 64 * 1024;
        if (produced % (4 * MiB) === 0) peak = Math.max(peak, process.memoryUsage().rss - base);
        // A fresh buffer each time: memory would grow if chunks were kept.
        yield Buffer.alloc(64 * 1024, 'u');
      }
    }
    const text = http.request(`${server.url}/upload`, { method: 'PUT', body: body() }).text();
    return { received: Number(text), peak };
  });
  expect(result.received).toBe(UPLOAD);
  expect(result.peak).toBeLessThan(RSS_LIMIT);
});
