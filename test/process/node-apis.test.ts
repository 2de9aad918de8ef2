// Node's own APIs called from green threads (which run on OS threads other than the main one):
// sync fs/crypto/zlib/child_process, RegExp, Intl, vm, structuredClone, fetch via waitFor,
// Workers, Atomics.wait and WebAssembly, all interleaved in one process.
import { PKG, REPORTING, resultOf, runChild } from '../helpers';

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

test('WebAssembly code GC while green threads are parked does not abort the process (fetch uses wasm)', () => {
  // --stress-wasm-code-gc collects superseded wasm code at every chance. V8's wasm code GC
  // aborts when any thread state is archived (a parked green thread); the addon turns that GC
  // off, so this must run to the end.
  const child = runChild(`${REPORTING}
    const http = require('node:http');
    const g = require(${PKG});
    for (let i = 0; i < 5; i++) g.spawn(() => g.sleep(30));   // parked the whole time
    g.run(() => {
      const server = http.createServer((req, res) => res.end('x'));
      g.waitFor(new Promise((resolve) => server.listen(0, '127.0.0.1', resolve)));
      const url = 'http://127.0.0.1:' + server.address().port + '/';
      let bytes = 0;
      for (let i = 0; i < 200; i++) bytes += g.waitFor(g.waitFor(fetch(url)).text()).length;
      // Plain wasm too, hot enough to tier up while the threads stay parked.
      const wasm = new Uint8Array([0,97,115,109,1,0,0,0,1,7,1,96,2,127,127,1,127,3,2,1,0,7,7,1,3,97,100,100,0,0,10,9,1,7,0,32,0,32,1,106,11]);
      const { add } = new WebAssembly.Instance(new WebAssembly.Module(wasm)).exports;
      let sum = 0;
      for (let i = 0; i < 200000; i++) sum = add(sum, 1) | 0;
      server.close();
      return { bytes, sum };
    }).then((result) => { report(result); process.exit(0); }, (error) => { console.error(error); process.exit(1); });
  `, { nodeArgs: ['--stress-wasm-code-gc'], timeoutMs: 60000 });
  expect(resultOf(child)).toEqual({ bytes: 200, sum: 200000 });
});
