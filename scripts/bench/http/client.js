'use strict';
// The http group's client benchmark, one child process per client kind and pass:
//   node client.js '{"mode":"greenthread|fetch|node-http","url":"http://127.0.0.1:PORT/","clients":50,"seconds":3,"warmup":1}'
// `clients` concurrent loops each GET the url, read the whole body and check it is the
// server's "hello", over and over: green threads calling greenthread's blocking
// `http.request(url).text()`, or async functions awaiting `fetch` or `node:http.request`
// (with a keep-alive agent, as greenthread's pooling is on by default). After the warm-up the
// responses finished in the window are counted; prints one JSON line with requests/s and this
// process's CPU per request (what the client side costs, beside the server's CPU the runner reads).
const http = require('node:http');
const { backendReport } = require('../backend');
const { loadPackageUnderTest, packageRoot } = require('../package-under-test');

const config = JSON.parse(process.argv[2] || '{}');
const { mode, url, clients, seconds, warmup } = config;
const EXPECTED = 'hello';
// A loop that keeps failing (server gone) stops after this many errors in all.
const MAX_ERRORS = 100;

const tally = { ok: 0, wrong: 0, errors: 0, firstError: null };
let stopped = false;

// Counts one finished exchange; false once the loops should stop.
function record(status, body, error) {
  if (error) {
    tally.errors++;
    tally.firstError ??= `${error.code ?? error.name}: ${error.message}`;
    if (tally.errors >= MAX_ERRORS) stopped = true;
  } else if (status === 200 && body === EXPECTED) {
    tally.ok++;
  } else {
    tally.wrong++;
  }
  return !stopped;
}

// The window's figures from the tallies and clocks at both ends of it.
function measure(begin, end, backend) {
  const seconds = Number(end.time - begin.time) / 1e9;
  const requests = end.ok - begin.ok;
  const cpuSeconds = (end.cpu.user + end.cpu.system - begin.cpu.user - begin.cpu.system) / 1e6;
  return {
    mode, clients, seconds, requests, reqPerSec: requests / seconds, cpuSeconds,
    cpuUsPerRequest: requests ? (cpuSeconds / requests) * 1e6 : null,
    totalRequests: tally.ok, wrong: tally.wrong, errors: tally.errors, firstError: tally.firstError,
    ...(backend ? { backend } : {}),
  };
}

const mark = () => ({ time: process.hrtime.bigint(), cpu: process.cpuUsage(), ok: tally.ok });
const print = (result) => process.stdout.write(`${JSON.stringify(result)}\n`);

function greenthreadClients() {
  const [gt] = loadPackageUnderTest(config, 'index.js');
  if (typeof gt.http?.request !== 'function') {
    print({ unavailable: 'this build has no http.request' });
    return;
  }
  const { run, spawn, sleep } = gt;
  run(() => {
    const loop = () => {
      for (;;) {
        let response;
        try {
          response = gt.http.request(url);
          if (!record(response.status, response.text())) return;
        } catch (error) {
          if (!record(0, null, error)) return;
        }
        if (stopped) return;
      }
    };
    const threads = Array.from({ length: clients }, () => spawn(loop));
    sleep(warmup);
    const begin = mark();
    sleep(seconds);
    const end = mark();
    stopped = true;
    for (const thread of threads) thread.wait();
    print(measure(begin, end, backendReport(packageRoot(config), gt)));
  });
}

// One GET through node:http with a keep-alive agent: { status, body }.
const agent = new http.Agent({ keepAlive: true });
function nodeGet() {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { agent }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => { body += chunk; });
      response.on('end', () => resolve({ status: response.statusCode, body }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end();
  });
}

async function fetchGet() {
  const response = await fetch(url);
  return { status: response.status, body: await response.text() };
}

async function asyncClients(get) {
  const loop = async () => {
    while (!stopped) {
      try {
        const { status, body } = await get();
        record(status, body);
      } catch (error) {
        record(0, null, error);
      }
    }
  };
  const sleep = (s) => new Promise((resolve) => setTimeout(resolve, s * 1000));
  const loops = Array.from({ length: clients }, loop);
  await sleep(warmup);
  const begin = mark();
  await sleep(seconds);
  const end = mark();
  stopped = true;
  await Promise.all(loops);
  agent.destroy();
  print(measure(begin, end));
}

if (mode === 'greenthread') greenthreadClients();
else if (mode === 'fetch') asyncClients(fetchGet);
else if (mode === 'node-http') asyncClients(nodeGet);
else throw new Error(`client.js: unknown mode ${JSON.stringify(mode)}`);
