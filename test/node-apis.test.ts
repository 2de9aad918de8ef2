// Node's own APIs called from green threads (which run on OS threads other than the main one):
// sync fs/crypto/zlib/child_process, RegExp, Intl, vm, structuredClone, fetch via waitFor,
// Workers, Atomics.wait and WebAssembly, all interleaved in one process.
import { PKG, REPORTING, resultOf, runChild } from './helpers';

test('Node APIs work inside green threads', () => {
  const child = runChild(`
    ${REPORTING}
    const g = require(${PKG});
    const http = require('node:http');
    const server = http.createServer((req, res) => res.end('hello')).listen(0, '127.0.0.1', () => {
      const port = server.address().port;
      g.run(() => {
        const out = {};
        const jobs = {
          fs: () => require('node:fs').readFileSync('/proc/self/status', 'utf8').startsWith('Name:'),
          crypto: () => require('node:crypto').pbkdf2Sync('a', 'b', 1000, 16, 'sha256').length,
          zlib: () => { const z = require('node:zlib'); return z.gunzipSync(z.gzipSync('x'.repeat(1000))).length; },
          exec: () => require('node:child_process').execSync('echo hi').toString().trim(),
          regexp: () => /(a+)+b/.test('a'.repeat(20) + 'b') && 'x'.replace(/x/g, () => 'y'),
          intl: () => new Intl.DateTimeFormat('en', { timeZone: 'UTC' }).format(new Date(0)),
          vm: () => require('node:vm').runInNewContext('a + 1', { a: 41 }),
          clone: () => structuredClone({ m: new Map([[1, 2]]) }).m.get(1),
          fetch: () => g.waitFor(g.waitFor(fetch('http://127.0.0.1:' + port + '/')).text()),
          worker: () => {
            const { Worker } = require('node:worker_threads');
            const w = new Worker('require("node:worker_threads").parentPort.postMessage(6 * 7)', { eval: true });
            return g.waitFor(new Promise((resolve) => w.once('message', resolve)));
          },
          atomics: () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1),
          wasm: () => WebAssembly.validate(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])),
        };
        const threads = Object.entries(jobs).map(([name, job]) => g.spawn(() => { out[name] = job(); g.sleep(0); }));
        threads.forEach((t) => t.wait());
        return out;
      }).then((out) => { server.close(); report(out); }, (e) => { console.error(e); process.exit(1); });
    });
  `);
  expect(resultOf(child)).toEqual({
    fs: true, crypto: 16, zlib: 1000, exec: 'hi', regexp: 'y', intl: '1/1/1970', vm: 42, clone: 2,
    fetch: 'hello', worker: 42, atomics: 'timed-out', wasm: true,
  });
});
