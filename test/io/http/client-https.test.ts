// https: requests to a node:https server with the test certificate (test/fixtures/tls): trusted
// through `ca`, refused with Node's certificate error otherwise, `rejectUnauthorized: false`,
// `servername`, keep-alive reuse of TLS connections, and a redirect from http to https.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { http } from '../../../src';
import { green, root, thrownBy } from '../../helpers';
import { type NodeServer, startServer } from './node-server';

const dir = path.join(root, 'test', 'fixtures', 'tls');
const key = fs.readFileSync(path.join(dir, 'server-key.pem'));
const cert = fs.readFileSync(path.join(dir, 'server-cert.pem'));
const ca = fs.readFileSync(path.join(dir, 'ca-cert.pem'));
const otherCa = fs.readFileSync(path.join(dir, 'other-ca-cert.pem'));

let secure: NodeServer;
let plain: NodeServer;
beforeAll(async () => {
  secure = await startServer((req, res) => {
    res.end(`secure ${req.method} ${req.url} ${(req.socket as import('node:tls').TLSSocket).servername || '-'}`);
  }, { key, cert });
  plain = await startServer((req, res) => {
    res.writeHead(301, { location: `${secure.url}${req.url}` });
    res.end();
  });
});
afterAll(async () => {
  await secure.close();
  await plain.close();
});

test('trusted through ca: the body; sequential requests reuse one TLS connection', async () => {
  const before = secure.connections;
  const texts = await green(() => [1, 2, 3].map((i) => http.get(`https://localhost:${secure.port}/r${i}`, { ca }).text()));
  expect(texts).toEqual(['secure GET /r1 localhost', 'secure GET /r2 localhost', 'secure GET /r3 localhost']);
  expect(secure.connections - before).toBe(1);
});

test('an untrusted certificate: Node\'s error with its code; rejectUnauthorized: false accepts it', async () => {
  const result = await green(() => ({
    defaultCas: thrownBy(() => http.get(`${secure.url}/`)) as NodeJS.ErrnoException,
    otherCa: thrownBy(() => http.get(`${secure.url}/`, { ca: otherCa })) as NodeJS.ErrnoException,
    accepted: http.request(`${secure.url}/x`, { method: 'POST', rejectUnauthorized: false }).text(),
  }));
  expect(result.defaultCas.code).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT/);
  expect(result.otherCa.code).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  expect(result.accepted).toBe('secure POST /x -');
});

test('servername: sent for SNI and checked against the certificate', async () => {
  const result = await green(() => ({
    ok: http.get(`https://127.0.0.1:${secure.port}/sni`, { ca, servername: 'localhost' }).text(),
    wrong: thrownBy(() => http.get(`https://127.0.0.1:${secure.port}/sni`, { ca, servername: 'example.com' })) as NodeJS.ErrnoException,
  }));
  expect(result.ok).toBe('secure GET /sni localhost');
  expect(result.wrong.code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
});

test('a redirect from http: to https: is followed with the TLS options', async () => {
  const res = await green(() => {
    const got = http.get(`${plain.url}/moved`, { ca, servername: 'localhost', maxRedirects: 1 });
    return { url: got.url, text: got.text() };
  });
  expect(res).toEqual({ url: `${secure.url}/moved`, text: 'secure GET /moved localhost' });
});
