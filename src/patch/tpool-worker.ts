// The script every tpool worker thread runs, as plain JavaScript source for
// `new Worker(source, { eval: true })`: the same string works from dist/ and under ts-jest (a
// worker cannot load a .ts file, and src/ has no compiled twin to point it at). It runs jobs
// one at a time and answers each with its value or a description of what it threw, which
// tpool-rebuild.ts turns back into an error. Keep it self-contained: no imports, ES2022.

/**
 * @internal The worker's messages. In: `{ id, src, label, args }` (a function's source text and name) or
 * `{ id, url, name, args }` (a module's export). Out: `{ id, ok: true, value }` or
 * `{ id, ok: false, thrown }`, where `thrown` is a {@link ThrownDescription}.
 */
export const WORKER_SOURCE = String.raw`'use strict';
const { parentPort } = require('node:worker_threads');

// Compiled functions by source text, oldest first; capped so generated sources cannot grow it forever.
const CACHE_MAX = 512;
const compiled = new Map();
// Module namespaces (promises of them) by URL or specifier.
const modules = new Map();
const indirectEval = eval;
const BUILTINS = [AggregateError, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError];

function compile(src, label) {
  let fn = compiled.get(src);
  if (fn !== undefined) return fn;
  fn = compileFresh(src, '\n//# sourceURL=tpool-fn:' + String(label).replace(/[^\w$.-]/g, '_'));
  if (compiled.size >= CACHE_MAX) compiled.delete(compiled.keys().next().value);
  compiled.set(src, fn);
  return fn;
}

// Strict, like the modules and classes most sent functions were written in. The newline keeps
// a trailing line comment from swallowing the closing parenthesis; the sourceURL names the
// function's frames in stacks ("at add (tpool-fn:add:1:20)").
function compileFresh(src, sourceUrl) {
  try {
    return indirectEval('"use strict";(' + src + '\n)' + sourceUrl);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    // A method's source ("name(a) { ... }", "async *gen() {}", "get x() {}") is valid only
    // inside an object literal.
    let holder;
    try {
      holder = indirectEval('"use strict";({' + src + '\n})' + sourceUrl);
    } catch {
      throw error;
    }
    const keys = Reflect.ownKeys(holder);
    if (keys.length !== 1) throw error;
    const d = Object.getOwnPropertyDescriptor(holder, keys[0]);
    return d.value ?? d.get ?? d.set;
  }
}

function loadModule(url) {
  let loading = modules.get(url);
  if (loading === undefined) {
    loading = import(url);
    modules.set(url, loading);
    // A failed load is not kept: the file may be fixed or installed before the next call.
    loading.catch(() => { if (modules.get(url) === loading) modules.delete(url); });
  }
  return loading;
}

async function exported(url, name) {
  const ns = await loadModule(url);
  let fn = ns[name];
  // A CommonJS module's exports the loader could not detect statically are on its default.
  if (fn === undefined && name !== 'default' && ns.default !== null &&
      (typeof ns.default === 'object' || typeof ns.default === 'function')) {
    fn = ns.default[name];
  }
  if (typeof fn !== 'function') {
    throw new TypeError('tpool.execute(): module ' + JSON.stringify(url) + ' has no function export ' +
      JSON.stringify(name) + ' (found ' + (fn === null ? 'null' : typeof fn) + ')');
  }
  return fn;
}

function cloneable(value) {
  try {
    return { ok: true, value: structuredClone(value) };
  } catch {
    return { ok: false };
  }
}

function text(value, fallback) {
  try {
    return typeof value === 'string' ? value : String(value);
  } catch {
    return fallback;
  }
}

// What was thrown, as plain cloneable data: an error's class, name, message, stack and own
// enumerable cloneable properties (code, errno, ...), its cause and an AggregateError's errors.
function describeThrown(thrown, depth) {
  if (depth > 8) return { kind: 'value', value: undefined };
  try {
    if (typeof DOMException === 'function' && thrown instanceof DOMException) {
      return { kind: 'dom', name: thrown.name, message: thrown.message, stack: thrown.stack };
    }
    if (thrown instanceof Error) {
      const base = BUILTINS.find((B) => thrown instanceof B);
      let className;
      try {
        className = thrown.constructor && typeof thrown.constructor.name === 'string' ? thrown.constructor.name : undefined;
      } catch {}
      const out = {
        kind: 'error',
        base: base === undefined ? 'Error' : base.name,
        className,
        name: text(thrown.name, 'Error'),
        message: text(thrown.message, ''),
        stack: typeof thrown.stack === 'string' ? thrown.stack : undefined,
        props: {},
      };
      for (const key of Object.keys(thrown)) {
        if (key === 'name' || key === 'message' || key === 'stack' || key === 'cause' || key === 'errors') continue;
        const c = cloneable(thrown[key]);
        if (c.ok) out.props[key] = c.value;
      }
      if (Object.prototype.hasOwnProperty.call(thrown, 'cause')) out.cause = describeThrown(thrown.cause, depth + 1);
      if (base === AggregateError && Array.isArray(thrown.errors)) {
        out.errors = thrown.errors.map((e) => describeThrown(e, depth + 1));
      }
      return out;
    }
    const c = cloneable(thrown);
    if (c.ok) return { kind: 'value', value: c.value };
    return { kind: 'error', base: 'TypeError', name: 'TypeError', className: 'TypeError', props: {},
      message: 'tpool.execute(): the function threw a value that cannot be cloned: ' + text(thrown, typeof thrown) };
  } catch (error) {
    return { kind: 'error', base: 'Error', name: 'Error', className: 'Error', props: {},
      message: 'tpool.execute(): the function threw something that could not be described (' + text(error, 'unknown') + ')' };
  }
}

async function runJob(job) {
  let reply;
  try {
    const fn = job.src !== undefined ? compile(job.src, job.label) : await exported(job.url, job.name);
    const value = await fn(...job.args);
    reply = { id: job.id, ok: true, value };
  } catch (thrown) {
    reply = { id: job.id, ok: false, thrown: describeThrown(thrown, 0) };
  }
  try {
    parentPort.postMessage(reply);
  } catch (error) {
    const thrown = describeThrown(error, 0);
    if (thrown.message !== undefined) thrown.message = 'tpool.execute(): the result could not be sent back: ' + thrown.message;
    parentPort.postMessage({ id: job.id, ok: false, thrown });
  }
}

parentPort.on('message', runJob);
`;
