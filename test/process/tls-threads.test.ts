// TLS from green threads on different OS threads, in a child process (Node 24 aborts when secure
// contexts are made on two OS threads; greenthread makes them on the event loop's thread
// there): secure contexts, tls.connect, https.get and wrapSsl from concurrent green threads,
// then from the main thread again. Every Node version must end normally.
import * as path from 'node:path';
import { CRASH_TEXT, PKG, root, runChild } from '../helpers';

const fixtures = JSON.stringify(path.join(root, 'test', 'fixtures', 'tls'));

test('secure contexts, https.get, tls.connect and wrapSsl from concurrent green threads end normally', () => {
  const result = runChild(`
    const fs = require('node:fs'), path = require('node:path'), tls = require('node:tls'), https = require('node:https');
    const { run, spawn, sleep, waitFor, connect, wrapSsl } = require(${PKG});
    const dir = ${fixtures};
    const key = fs.readFileSync(path.join(dir, 'server-key.pem')), cert = fs.readFileSync(path.join(dir, 'server-cert.pem'));
    const ca = fs.readFileSync(path.join(dir, 'ca-cert.pem'));
    tls.createSecureContext();  // the main thread first, as an app that loaded a TLS client early
    const server = https.createServer({ key, cert }, (req, res) => res.end('hello ' + req.url));
    server.listen(0, '127.0.0.1', () => {
      const port = server.address().port;
      run(() => {
        const threads = [];
        for (let i = 0; i < 4; i++) {
          threads.push(spawn(() => {
            tls.createSecureContext(i % 2 ? { ca } : undefined);
            sleep(0);
            const body = waitFor(new Promise((resolve, reject) => {
              https.get({ host: 'localhost', port, path: '/' + i, ca }, (res) => {
                let text = '';
                res.setEncoding('utf8');
                res.on('data', (d) => { text += d; });
                res.on('end', () => resolve(text));
              }).on('error', reject);
            }));
            const sock = wrapSsl(connect(['localhost', port]), { ca });
            sock.sendall('GET /raw HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n');
            const head = sock.readline().toString().trim();
            sock.close();
            return body + ' / ' + head;
          }));
        }
        return threads.map((t) => t.wait());
      }).then((results) => {
        tls.createSecureContext();
        console.log(JSON.stringify(results));
        server.close();
      }, (error) => { console.error(error); process.exitCode = 1; server.close(); });
    });
  `);
  expect(result.stderr).not.toMatch(CRASH_TEXT);
  expect(result.stderr).toBe('');
  expect(result.signal).toBeNull();
  expect(result.status).toBe(0);
  expect(JSON.parse(result.stdout)).toEqual([0, 1, 2, 3].map((i) => `hello /${i} / HTTP/1.1 200 OK`));
});
