// A debugger stepping over a switch: a child runs test/process/fixtures/debugger-step-target.js under
// --inspect-brk, and this test drives it out of process over the inspector protocol (a minimal
// WebSocket client on node:http, since Node 20 has no global WebSocket). It breaks on a line
// in a green thread, steps over sleep(0) (the green thread parks, the hub and another green
// thread run, then it is resumed), reads a local after the switch and lets the child finish.
// The pending step is restored by V8 when the green thread takes the isolate back; on Node 20
// that used to SIGSEGV unless the isolate is entered first (native/engine/engine.cc, HandOff).
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { Socket } from 'node:net';
import { CRASH_TEXT, root } from '../helpers';

jest.setTimeout(60000);

const TARGET = path.join(__dirname, 'fixtures', 'debugger-step-target.js');
/** 0-based line of the statement marked `// <marker>` in the target. */
function lineOf(marker: string): number {
  const lines = fs.readFileSync(TARGET, 'utf8').split('\n');
  const index = lines.findIndex((line) => line.trimEnd().endsWith(`// ${marker}`));
  if (index < 0) throw new Error(`no line marked ${marker} in ${TARGET}`);
  return index;
}

// --- A WebSocket client just big enough for the inspector: text frames, client-side masking,
// fragmentation and the 16/64-bit lengths; pings are answered, close ends the connection.

class InspectorSocket {
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

interface CallFrame { callFrameId: string; functionName: string; location: { lineNumber: number } }
interface Paused { reason: string; hitBreakpoints?: string[]; callFrames: CallFrame[] }

class Inspector {
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
    // Only the event the test waits for is kept (scriptParsed alone comes by the hundred).
    if (message.method !== 'Debugger.paused') return;
    const waiter = this.#waiters.findIndex((w) => w.method === message.method);
    if (waiter >= 0) this.#waiters.splice(waiter, 1)[0].resolve(message.params);
    else this.#events.push({ method: message.method, params: message.params });
  }
}

/** Starts the target under --inspect-brk=0 and returns it with its inspector's ws:// URL. */
function startTarget(): { child: ChildProcess; url: Promise<string>; exited: Promise<{ status: number | null; signal: string | null; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, ['--inspect-brk=0', TARGET, root], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
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
  const exited = new Promise<{ status: number | null; signal: string | null; stdout: string; stderr: string }>((resolve) => {
    child.on('close', (status, signal) => {
      clearTimeout(killer);
      resolve({ status, signal, stdout, stderr });
    });
  });
  return { child, url, exited };
}

test('stepping over sleep(0) in a green thread lands on the next line, sees its locals, and the process ends cleanly', async () => {
  const target = startTarget();
  const inspector = await Inspector.connect(await target.url);
  let failure: Error | undefined;
  try {
    await stepThroughTheSwitch(inspector);
  } catch (error) {
    failure = error as Error;
  } finally {
    // Resumed, the child runs to its end; an open inspector connection would keep it waiting.
    inspector.close();
  }
  const result = await target.exited;
  if (failure) {
    // Say how the target ended: a crash shows up here as the connection closing mid-step.
    failure.message += `\ntarget ended with ${result.signal ?? `exit code ${result.status}`}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`;
    throw failure;
  }
  expect({ status: result.status, signal: result.signal, stdout: result.stdout.split('\n').sort() })
    .toEqual({ status: 0, signal: null, stdout: ['', 'done 42', 'local 42 true', 'other ran'] });
  expect(result.stderr).not.toMatch(CRASH_TEXT);
});

async function stepThroughTheSwitch(inspector: Inspector): Promise<void> {
  // Only the Debugger domain is enabled, and it is disabled again before the connection is
  // dropped: Node 22.23 and older crash (nodejs/node#64209, a write to the closed socket on the
  // inspector's I/O thread) if they still have an event to send once the client has gone, and
  // the Runtime domain would send one for every console.log of the target.
  await inspector.send('Debugger.enable');
  const breakLine = lineOf('BREAK');
  await inspector.send('Debugger.setBreakpointByUrl', { lineNumber: breakLine, urlRegex: 'debugger-step-target\\.js$' });
  await inspector.send('Runtime.runIfWaitingForDebugger');

  // --inspect-brk stops before the first line; from there, on to the breakpoint.
  let paused: Paused = await inspector.next('Debugger.paused');
  if ((paused.hitBreakpoints ?? []).length === 0) {
    await inspector.send('Debugger.resume');
    paused = await inspector.next('Debugger.paused');
  }
  expect(paused.hitBreakpoints?.length).toBe(1);
  expect(paused.callFrames[0].location.lineNumber).toBe(breakLine);
  const evaluate = async (expression: string): Promise<unknown> => {
    const { result, exceptionDetails } = await inspector.send('Debugger.evaluateOnCallFrame',
      { callFrameId: paused.callFrames[0].callFrameId, expression, returnByValue: true });
    if (exceptionDetails) throw new Error(`evaluating ${expression}: ${JSON.stringify(exceptionDetails)}`);
    return result.value;
  };
  expect(await evaluate('inGreen')).toBe(true);
  expect(await evaluate('local')).toBe(20);

  /** Steps over the current line and returns the line where it stopped next. */
  const stepOver = async (): Promise<number> => {
    await inspector.send('Debugger.stepOver');
    paused = await inspector.next('Debugger.paused');
    return paused.callFrames[0].location.lineNumber;
  };
  expect(await stepOver()).toBe(lineOf('SWITCH'));
  expect(await evaluate('local')).toBe(21);
  // The switch: the green thread parks in sleep(0), the hub and the other green thread run,
  // and the step completes when this green thread has the isolate again.
  expect(await stepOver()).toBe(lineOf('AFTER'));
  expect(paused.callFrames[0].functionName).toBe('body');
  expect(await evaluate('local')).toBe(21);
  expect(await stepOver()).toBe(lineOf('LAST'));
  expect(await evaluate('local')).toBe(42);

  await inspector.send('Debugger.resume');
  // Nothing is sent after this reply (see above); the target runs on undisturbed.
  await inspector.send('Debugger.disable');
}
