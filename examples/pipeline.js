// The coordination primitives together, in blocking style: a GreenPool of fetchers against a
// local HTTP server (fetch through waitFor), a bounded Queue between them and a consumer, a
// Timeout that gives up on a slow request, an Event that says when the work is done, and a
// GreenPile that collects results in order.
'use strict';
const http = require('node:http');
const { run, spawn, sleep, waitFor, Queue, GreenPool, GreenPile, Event, Timeout, withTimeout } = require('greenthread');

// A server that answers /slow after 200 ms and everything else at once.
const server = http.createServer((req, res) => {
  const reply = () => res.end(`body of ${req.url}`);
  if (req.url === '/slow') setTimeout(reply, 200);
  else reply();
});

run(() => {
  waitFor(new Promise((resolve) => server.listen(0, '127.0.0.1', resolve)));
  const base = `http://127.0.0.1:${server.address().port}`;
  const get = (path) => waitFor(waitFor(fetch(base + path)).text());

  console.log('1. a pool of 3 fetchers feeds a bounded queue; a consumer drains it');
  const results = new Queue(2);  // put() blocks while 2 results wait: back-pressure
  const done = new Event();
  const consumer = spawn(() => {
    const seen = [];
    for (;;) {
      const item = results.get();
      if (item === null) break;
      seen.push(item);
      results.taskDone();
    }
    results.taskDone();
    done.send(seen.length);
    return seen.sort();
  });
  const pool = new GreenPool(3);
  for (const path of ['/a', '/b', '/c', '/d', '/e']) pool.spawn(() => results.put(get(path)));
  pool.waitAll();
  results.put(null);  // no more items
  results.join();     // every item taken and marked done
  console.log(`  consumer saw ${done.wait()} bodies:`, consumer.wait());

  console.log('2. a Timeout gives up on a slow request; withTimeout turns it into a value');
  // (In TypeScript, or JavaScript on Node 24: `using t = new Timeout(0.05);` instead of the
  // try/finally cancel.)
  const t = new Timeout(0.05);
  try {
    get('/slow');
  } catch (error) {
    console.log(`  ${error === t ? 'timed out' : error}`);
  } finally {
    t.cancel();
  }
  console.log('  withTimeout:', withTimeout(0.05, () => get('/slow'), { timeoutValue: 'fallback' }));

  console.log('3. a GreenPile returns results in spawn order, whatever order they finish in');
  const pile = new GreenPile(4);
  for (const [path, delay] of [['/x', 0.03], ['/y', 0.01], ['/z', 0.02]]) {
    pile.spawn(() => { sleep(delay); return get(path); });
  }
  console.log('  ', [...pile]);

  server.close();
  return 'pipeline finished';
}).then((message) => console.log(message));
