// The inspector client of the debugger tests (debugger-step.test.ts, fiber-debug.test.ts): a
// target started under --inspect-brk and driven out of process over the inspector protocol,
// through a minimal WebSocket client on node:http (Node 20 has no global WebSocket).
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import { Socket } from 'node:net';
import { root } from '../helpers';

// --- A WebSocket client just big enough for the inspector: text frames, client-side masking,
// fragmentation and the 16/64-bit lengths; pings are answered, close ends the connection.

export class InspectorSocket {
  #socket: Socket;
  #buffer = Buffer.alloc(0);
  #fragments: Buffer[] = [];
  #onText: (text: string) => void;
  closed: Promise<void>;

  private constructor(socket: Socket, head: Buffer, onText: (text: string) => void) {
    this.#socket = socket;
    this.#onText = onText;
    this.closed = new Promise((resolve) => socket.on('close', () => resolve()));
    socket.on('data', (chunk: Buffer) => this.#receive(chunk));
    socket.on('error', () => { /* the close that follows is what the test sees */ });
    if (head.length > 0) this.#receive(head);
  }

  static connect(url: string, onText: (text: string) => void): Promise<InspectorSocket> {
    const { hostname, port, pathname } = new URL(url);
    return new Promise((resolve, reject) => {
      const request = http.request({
        hostname, port, path: pathname,
        headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': randomBytes(16).toString('base64') },
      });
      request.on('upgrade', (_response, socket: Socket, head: Buffer) => resolve(new InspectorSocket(socket, head, onText)));
      request.on('response', (response) => reject(new Error(`inspector refused the upgrade: HTTP ${response.statusCode}`)));
      request.on('error', reject);
      request.end();
    });
  }

  send(text: string): void {
    const payload = Buffer.from(text, 'utf8');
    const mask = randomBytes(4);
    const length = payload.length;
    const header = length < 126 ? Buffer.from([0x81, 0x80 | length])
      : length < 0x10000 ? Buffer.from([0x81, 0x80 | 126, length >> 8, length & 0xff])
        : Buffer.concat([Buffer.from([0x81, 0x80 | 127]), (() => { const b = Buffer.alloc(8); b.writeBigUInt64BE(BigInt(length)); return b; })()]);
    const masked = Buffer.alloc(length);
    for (let i = 0; i < length; i++) masked[i] = payload[i] ^ mask[i & 3];
    this.#socket.write(Buffer.concat([header, mask, masked]));
  }

  close(): void {
    this.#socket.destroy();
  }

  #receive(chunk: Buffer): void {
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
    for (;;) {
      const b = this.#buffer;
      if (b.length < 2) return;
      let length = b[1] & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (b.length < 4) return;
        length = b.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (b.length < 10) return;
        length = Number(b.readBigUInt64BE(2));
        offset = 10;
      }
      if (b.length < offset + length) return;  // server frames are never masked
      const fin = (b[0] & 0x80) !== 0;
      const opcode = b[0] & 0x0f;
      const payload = b.subarray(offset, offset + length);
      this.#buffer = b.subarray(offset + length);
      if (opcode === 0x8) {
        this.close();
        return;
      }
      if (opcode === 0x9) {  // ping: answer with a masked pong carrying the same payload
        const mask = randomBytes(4);
        const masked = Buffer.from(payload.map((byte, i) => byte ^ mask[i & 3]));
        this.#socket.write(Buffer.concat([Buffer.from([0x8a, 0x80 | masked.length]), mask, masked]));
        continue;
      }
      if (opcode === 0x1 || opcode === 0x0) {
        this.#fragments.push(Buffer.from(payload));
        if (fin) {
          const text = Buffer.concat(this.#fragments).toString('utf8');
          this.#fragments = [];
          this.#onText(text);
        }
      }
    }
  }
}

// --- The inspector protocol over that socket: commands with replies, and awaited events.

export interface CallFrame { callFrameId: string; functionName: string; location: { lineNumber: number } }
export interface Paused { reason: string; hitBreakpoints?: string[]; callFrames: CallFrame[] }

export class Inspector {
  #socket!: InspectorSocket;
  #nextId = 1;
  #replies = new Map<number, { resolve: (result: any) => void; reject: (error: Error) => void }>();
  #events: Array<{ method: string; params: any }> = [];
  #waiters: Array<{ method: string; resolve: (params: any) => void; reject: (error: Error) => void }> = [];
  #gone = false;

  static async connect(url: string): Promise<Inspector> {
    const inspector = new Inspector();
    inspector.#socket = await InspectorSocket.connect(url, (text) => inspector.#dispatch(JSON.parse(text)));
    // A target that dies (the crash this test is about) fails whatever is awaited at once.
    void inspector.#socket.closed.then(() => {
      inspector.#gone = true;
      const error = new Error('the inspector connection closed (did the target die?)');
      for (const reply of inspector.#replies.values()) reply.reject(error);
      inspector.#replies.clear();
      for (const waiter of inspector.#waiters.splice(0)) waiter.reject(error);
    });
    return inspector;
  }

  get closed(): Promise<void> {
    return this.#socket.closed;
  }

  send(method: string, params: object = {}): Promise<any> {
    if (this.#gone) return Promise.reject(new Error(`${method}: the inspector connection is closed`));
    const id = this.#nextId++;
    this.#socket.send(JSON.stringify({ id, method, params }));
    return new Promise((resolve, reject) => this.#replies.set(id, { resolve, reject }));
  }

  /** Drops queued `method` events (a resume's `Debugger.resumed`, say) not waited for. */
  forget(method: string): void {
    this.#events = this.#events.filter((e) => e.method !== method);
  }

  /** How many `method` events arrived that nobody has taken yet. */
  queued(method: string): number {
    return this.#events.filter((e) => e.method === method).length;
  }

  /** The next `method` event not yet taken (queued ones first). */
  next(method: string): Promise<any> {
    const index = this.#events.findIndex((e) => e.method === method);
    if (index >= 0) return Promise.resolve(this.#events.splice(index, 1)[0].params);
    if (this.#gone) return Promise.reject(new Error(`${method}: the inspector connection is closed`));
    return new Promise((resolve, reject) => this.#waiters.push({ method, resolve, reject }));
  }

  close(): void {
    this.#socket.close();
  }

  #dispatch(message: { id?: number; result?: unknown; error?: { message: string }; method?: string; params?: unknown }): void {
    // GT_DEBUG_CDP=1 shows the traffic, for when a new Node behaves differently.
    if (process.env.GT_DEBUG_CDP) process.stderr.write(`<< ${JSON.stringify(message).slice(0, 300)}\n`);
    if (message.id !== undefined) {
      const reply = this.#replies.get(message.id);
      this.#replies.delete(message.id);
      if (message.error) reply?.reject(new Error(message.error.message));
      else reply?.resolve(message.result);
      return;
    }
    // Only the events a test waits for are kept (scriptParsed alone comes by the hundred).
    if (message.method !== 'Debugger.paused' && message.method !== 'Debugger.resumed') return;
    const waiter = this.#waiters.findIndex((w) => w.method === message.method);
    if (waiter >= 0) this.#waiters.splice(waiter, 1)[0].resolve(message.params);
    else this.#events.push({ method: message.method, params: message.params });
  }
}

/** A target started by {@link startTarget}. */
export interface Target {
  child: ChildProcess;
  /** The inspector's ws:// URL, once the child prints it. */
  url: Promise<string>;
  /** Resolves when the child's stdout contains `text` (rejects if it exits first). */
  printed(text: string): Promise<void>;
  exited: Promise<TargetExit>;
}

export interface TargetExit { status: number | null; signal: string | null; stdout: string; stderr: string }

/**
 * Starts `node --inspect-brk=0 <script> <repo root> ...args` with `env` added to this process's
 * environment (GREENTHREAD_BACKEND, say) and returns it with its inspector's ws:// URL.
 */
export function startTarget(script: string, options: { args?: string[]; env?: NodeJS.ProcessEnv } = {}): Target {
  const child = spawn(process.execPath, ['--inspect-brk=0', script, root, ...(options.args ?? [])],
    { cwd: root, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let done = false;
  const watchers: Array<{ text: string; resolve: () => void; reject: (error: Error) => void }> = [];
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    for (let i = watchers.length - 1; i >= 0; i--) {
      if (stdout.includes(watchers[i].text)) watchers.splice(i, 1)[0].resolve();
    }
  });
  // Hang guard only: a child that never finishes is killed, and the assertions then show why.
  const killer = setTimeout(() => child.kill('SIGKILL'), 45000);
  const url = new Promise<string>((resolve, reject) => {
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      const match = /Debugger listening on (ws:\/\/\S+)/.exec(stderr);
      if (match) resolve(match[1]);
    });
    child.on('close', () => reject(new Error(`target exited before listening; stderr: ${stderr}`)));
  });
  const exited = new Promise<TargetExit>((resolve) => {
    child.on('close', (status, signal) => {
      done = true;
      clearTimeout(killer);
      for (const w of watchers.splice(0)) w.reject(new Error(`target exited (${status ?? signal}) before printing ${JSON.stringify(w.text)}; stdout: ${stdout}; stderr: ${stderr}`));
      resolve({ status, signal, stdout, stderr });
    });
  });
  const printed = (text: string): Promise<void> => {
    if (stdout.includes(text)) return Promise.resolve();
    if (done) return Promise.reject(new Error(`target exited before printing ${JSON.stringify(text)}`));
    return new Promise((resolve, reject) => { watchers.push({ text, resolve, reject }); });
  };
  return { child, url, printed, exited };
}

/**
 * Connects to `target`, runs `drive` and closes the connection; a failure is rethrown with how
 * the target ended (a crash shows up as the connection closing mid-command). Returns the exit.
 */
export async function driveTarget(target: Target, drive: (inspector: Inspector) => Promise<void>): Promise<TargetExit> {
  const inspector = await Inspector.connect(await target.url);
  let failure: Error | undefined;
  try {
    await drive(inspector);
  } catch (error) {
    failure = error as Error;
  } finally {
    // Resumed, the child runs to its end; an open inspector connection would keep it waiting.
    inspector.close();
  }
  const result = await target.exited;
  if (failure) {
    failure.message += `\ntarget ended with ${result.signal ?? `exit code ${result.status}`}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`;
    throw failure;
  }
  return result;
}

/** 0-based line of the statement marked `// <marker>` in `file`. */
export function lineOf(file: string, marker: string): number {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const index = lines.findIndex((line) => line.trimEnd().endsWith(`// ${marker}`));
  if (index < 0) throw new Error(`no line marked ${marker} in ${file}`);
  return index;
}

/** Evaluates `expression` on `frame` (by value); an exception in it fails the test. */
export async function evaluateOn(inspector: Inspector, frame: CallFrame, expression: string): Promise<unknown> {
  const { result, exceptionDetails } = await inspector.send('Debugger.evaluateOnCallFrame',
    { callFrameId: frame.callFrameId, expression, returnByValue: true });
  if (exceptionDetails) throw new Error(`evaluating ${expression}: ${JSON.stringify(exceptionDetails)}`);
  return result.value;
}

/**
 * The backend the target's addon runs, read on a paused frame (the binding module is already
 * loaded; the repo root is the target's argv[2]).
 */
export const BACKEND_EXPRESSION = "process.mainModule.require(process.argv[2] + '/dist/engine/binding.js').native.backend().backend";
