// Every script in examples/ runs cleanly: the scripts run to completion (exit code 0, nothing on
// stderr); the servers are started, talked to by real clients over TCP, and stopped with
// SIGTERM, after which they exit 0 with nothing on stderr.
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { root, startNode } from '../helpers';

const dir = path.join(root, 'examples');
// pg-app.js needs a PostgreSQL server: pg-example.test.ts starts one and drives it.
const SERVERS = ['echo-server.js', 'chat-server.js', 'http-app.js', 'pg-app.js'];
const examples = fs.readdirSync(dir).filter((name) => /\.(c?js|mjs)$/.test(name) && !SERVERS.includes(name));

test('there are examples', () => {
  expect(examples.length).toBeGreaterThan(0);
  for (const name of SERVERS) expect(fs.existsSync(path.join(dir, name))).toBe(true);
});

test.each(examples)('examples/%s runs cleanly', (name) => {
  const result = spawnSync(process.execPath, [path.join(dir, name)], { cwd: root, encoding: 'utf8', timeout: 30000 });
  expect(result.stderr).toBe('');
  expect(result.signal).toBeNull();
  expect(result.status).toBe(0);
  expect(result.stdout.length).toBeGreaterThan(0);
});

// A line-oriented test client: connects, collects what arrives, and waits for text in it.
class Client {
  readonly socket: net.Socket;
  received = '';
  private watchers: Array<() => void> = [];
  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.received += chunk;
      for (const watch of this.watchers.splice(0)) watch();
    });
  }
  static open(port: number): Promise<Client> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => resolve(new Client(socket)));
      socket.once('error', reject);
    });
  }
  until(text: string): Promise<void> {
    return new Promise((resolve) => {
      const check = (): void => {
        if (this.received.includes(text)) resolve();
        else this.watchers.push(check);
      };
      check();
    });
  }
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.end();
    });
  }
}

test('examples/echo-server.js echoes every client its own bytes, many clients at once', async () => {
  const server = startNode([path.join(dir, 'echo-server.js'), '0']);
  const port = await portOf(server);
  const clients = await Promise.all(Array.from({ length: 20 }, () => Client.open(port)));
  clients.forEach((client, i) => client.socket.write(`hello from ${i}\n`.repeat(50)));
  await Promise.all(clients.map((client, i) => client.until(`hello from ${i}\n`.repeat(50))));
  clients.forEach((client, i) => expect(client.received).toBe(`hello from ${i}\n`.repeat(50)));
  await Promise.all(clients.map((client) => client.close()));
  await stopped(server, 'echo server stopped');
});

test('examples/chat-server.js sends every line a client writes to every other client', async () => {
  const server = startNode([path.join(dir, 'chat-server.js'), '0']);
  const port = await portOf(server);
  const [alice, bob, carol] = [await Client.open(port), await Client.open(port), await Client.open(port)];
  await server.waitForOutput('(3 online)');
  alice.socket.write('hi from alice\n');
  bob.socket.write('hi from bob\n');
  await Promise.all([bob.until('hi from alice\n'), carol.until('hi from alice\n'), alice.until('hi from bob\n'), carol.until('hi from bob\n')]);
  expect(alice.received).not.toContain('hi from alice');
  expect(bob.received).not.toContain('hi from bob');
  await carol.close();
  await server.waitForOutput('(2 online)');
  alice.socket.write('carol left\n');
  await bob.until('carol left\n');
  await Promise.all([alice.close(), bob.close()]);
  await stopped(server, 'chat server stopped');
});

test('examples/http-app.js queues jobs, answers each when it is done, and stops gracefully', async () => {
  const server = startNode([path.join(dir, 'http-app.js'), '0']);
  const base = `http://127.0.0.1:${await portOf(server)}`;
  // More jobs than the queue holds: the later POSTs wait for room, none fails.
  const sizes = Array.from({ length: 15 }, (_, i) => i + 1);
  const created = await Promise.all(sizes.map(async (n) => {
    const response = await fetch(`${base}/jobs`, { method: 'POST', body: JSON.stringify({ n }) });
    expect(response.status).toBe(202);
    return { n, id: ((await response.json()) as { id: number }).id };
  }));
  const done = await Promise.all(created.map(async ({ id }) => (await fetch(`${base}/jobs/${id}?wait=30`)).json()));
  created.forEach(({ n, id }, i) => {
    expect(done[i]).toEqual({ id, n, done: true, result: (n * (n + 1) * (2 * n + 1)) / 6 });
  });
  const digest = (await (await fetch(`${base}/digest?text=abc`)).json()) as { sha256: string };
  expect(digest.sha256).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  expect((await fetch(`${base}/jobs`, { method: 'POST', body: '{not json' })).status).toBe(400);
  expect((await fetch(`${base}/nowhere`)).status).toBe(404);
  expect(await (await fetch(`${base}/stats`)).json()).toEqual({ jobs: 15, queued: 0 });
  await stopped(server, 'http app stopped');
});

async function portOf(server: ReturnType<typeof startNode>): Promise<number> {
  let out = '';
  server.child.stdout?.on('data', (chunk: Buffer | string) => { out += String(chunk); });
  await server.waitForOutput('listening on ');
  await server.waitForOutput('\n');
  const port = Number(/listening on 127\.0\.0\.1:(\d+)/.exec(out)?.[1]);
  expect(port).toBeGreaterThan(0);
  return port;
}

async function stopped(server: ReturnType<typeof startNode>, text: string): Promise<void> {
  server.child.kill('SIGTERM');
  const result = await server.exited;
  expect(result.stderr).toBe('');
  expect(result.signal).toBeNull();
  expect(result.status).toBe(0);
  expect(result.stdout).toContain(text);
}
