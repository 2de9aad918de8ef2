// eventlet's web crawler, in greenthread: a GreenPool of blocking http.request calls fetches
// pages concurrently, follows the links it finds, and visits every page once. It crawls a
// small site it serves itself (http.serve in a background green thread), so it runs anywhere.
//   node examples/crawler.js [concurrency]      (default 8)
'use strict';
const { run, spawn, listen, http, GreenPool, Queue, sleep } = require('greenthread');

const concurrency = Number(process.argv[2] ?? 8);

// The site: /page/0 .. /page/39, each linking to a few others; some pages are slow.
const PAGES = 40;
function page(req) {
  const match = /^\/page\/(\d+)$/.exec(req.path);
  const n = match === null ? -1 : Number(match[1]);
  if (n < 0 || n >= PAGES) return { status: 404, body: 'not found' };
  if (n % 7 === 3) sleep(0.02);  // a slow page holds up only its own request
  const links = [(n * 3 + 1) % PAGES, (n * 5 + 2) % PAGES, (n + 11) % PAGES]
    .map((to) => `<a href="/page/${to}">page ${to}</a>`).join(' ');
  return { headers: { 'content-type': 'text/html' }, body: `<html><body><h1>page ${n}</h1>${links}</body></html>` };
}

// Fetches one URL and returns the URLs it links to.
function fetchLinks(url) {
  const response = http.get(url, { timeout: 10 });
  const body = response.text();
  console.log(`got ${url} (${response.status}, ${body.length} bytes)`);
  return [...body.matchAll(/href="([^"]+)"/g)].map((m) => new URL(m[1], url).href);
}

// The crawl loop takes URLs from a queue and starts a fetch for each in the pool, blocking
// while `concurrency` fetches run; fetches queue the new links they find. (Fetches that
// spawned their own follow-ups could fill the pool with threads all waiting for a free slot.)
function crawl(start) {
  const pool = new GreenPool(concurrency);
  const found = new Queue();
  const seen = new Set([start]);
  let open = 1;  // URLs queued or being fetched; the crawl ends when none are left
  const visit = (url) => {
    try {
      for (const link of fetchLinks(url)) {
        if (seen.has(link)) continue;
        seen.add(link);
        open++;
        found.put(link);
      }
    } finally {
      if (--open === 0) found.put(null);
    }
  };
  found.put(start);
  for (let url; (url = found.get()) !== null;) pool.spawnN(visit, url);
  pool.waitAll();
  return seen;
}

run(() => {
  const server = listen(['127.0.0.1', 0]);
  const site = spawn(() => http.serve(server, page));
  const started = Date.now();
  const seen = crawl(`http://127.0.0.1:${server.address()[1]}/page/0`);
  console.log(`crawled ${seen.size} pages with ${concurrency} green threads in ${Date.now() - started} ms`);
  server.close();
  site.wait();
});
