// Heap snapshots with many green threads parked, under each backend (GREENTHREAD_BACKEND=threads
// |fibers), in child processes: every parked green thread holds an object reachable only from a
// local on its own (parked) stack; v8.writeHeapSnapshot() and v8.getHeapSnapshot(), taken from
// the hub and from inside a green thread, must contain every one of them, and afterwards each
// green thread resumes to find its object intact and the process ends cleanly. V8 reaches a
// parked stack through the thread state it archived for it (ThreadManager::Iterate), fibers or not.
import { PKG, REPORTING, resultOf, runChild } from '../helpers';
import { BACKENDS } from './fiber-inspect-backends';

jest.setTimeout(120000);

const PARKED = 300;

const SNAPSHOTS = `${REPORTING}
const g = require(${PKG});
const v8 = require('node:v8');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const backend = require(${PKG} + '/dist/engine/binding.js').native.backend().backend;

/** Live objects of the class named \`name\` in a heap snapshot's JSON text. */
function countObjects(text, name) {
  const snapshot = JSON.parse(text);
  const fields = snapshot.snapshot.meta.node_fields;
  const types = snapshot.snapshot.meta.node_types[0];
  const width = fields.length, typeAt = fields.indexOf('type'), nameAt = fields.indexOf('name');
  const nodes = snapshot.nodes;
  let count = 0;
  for (let i = 0; i < nodes.length; i += width) {
    if (types[nodes[i + typeAt]] === 'object' && snapshot.strings[nodes[i + nameAt]] === name) count++;
  }
  return count;
}
function streamed() {
  const stream = v8.getHeapSnapshot();
  const chunks = [];
  for (let chunk; (chunk = stream.read()) !== null;) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}
function written() {
  const file = path.join(os.tmpdir(), 'gt-heap-' + process.pid + '-' + Math.random().toString(36).slice(2) + '.heapsnapshot');
  v8.writeHeapSnapshot(file);
  try { return fs.readFileSync(file, 'utf8'); } finally { fs.rmSync(file, { force: true }); }
}

class ParkedHolder {
  constructor(i) { this.i = i; this.payload = Array.from({ length: 32 }, (_, k) => ({ k: k * i })); this.text = 'holder-' + i; }
  sum() { return this.payload.reduce((s, o) => s + o.k, 0); }
}

(async () => {
  const out = { backend };
  const release = new g.Event();
  const ready = new g.Semaphore(0);
  // Each holder is referenced only by a local of its green thread's parked frame (and, in
  // between, nowhere else): the snapshot finds it through that stack alone.
  const parker = (i) => {
    const holder = new ParkedHolder(i);
    const expected = holder.sum();
    ready.release();
    release.wait();
    return holder.i === i && holder.text === 'holder-' + i && holder.sum() === expected;
  };
  const threads = [];
  await g.run(() => {
    for (let i = 0; i < ${PARKED}; i++) threads.push(g.spawn(parker, i));
    for (let i = 0; i < ${PARKED}; i++) ready.acquire();
  });
  // From the hub (no green thread running; all parked).
  out.hubWritten = countObjects(written(), 'ParkedHolder');
  out.hubStreamed = countObjects(streamed(), 'ParkedHolder');
  // From inside a green thread, while the others stay parked.
  out.inGreen = await g.run(() => [countObjects(written(), 'ParkedHolder'), countObjects(streamed(), 'ParkedHolder')]);
  // Everyone resumes and checks its object.
  out.intact = await g.run(() => { release.send(); return threads.map((t) => t.wait()).filter(Boolean).length; });
  out.after = countObjects(streamed(), 'ParkedHolder');
  out.live = g.hub.stats().liveCoroutines;
  report(out);
})();`;

describe.each(BACKENDS)('GREENTHREAD_BACKEND=%s', (backend) => {
  test(`heap snapshots with ${PARKED} green threads parked contain every object their stacks hold, and the process carries on`, () => {
    const out = resultOf(runChild(SNAPSHOTS, { env: { GREENTHREAD_BACKEND: backend }, timeoutMs: 100000 }));
    expect(out).toEqual({
      backend,
      hubWritten: PARKED,
      hubStreamed: PARKED,
      inGreen: [PARKED, PARKED],
      intact: PARKED,
      after: 0,
      live: 0,
    });
  });
});
