// A consumer of the published package: type-checked with `strict` and `skipLibCheck: false`
// against dist/ (test/package/consumer-types.test.ts, scripts/check-consumer.js), then run.
// It uses most of the public API the way an application would, and prints what it saw.
import {
  BoundedSemaphore, DeadlockError, Empty, Event, getCurrent, GreenletExit, GreenPile, GreenPool, GreenThread,
  hub, inGreenThread, kill, LifoQueue, NotInGreenThreadError, PriorityQueue, Queue, run, Semaphore, sleep, spawn,
  spawnAfter, spawnN, Timeout, waitFor, withTimeout, listen, connect, serve, StopServe, GreenSocket, GreenServer,
  SocketTimeoutError, bindUdp, udpSocket, getaddrinfo,
} from 'greenthread';
import type { GreenThreadInfo, SocketAddress, AddrInfo } from 'greenthread';

function main(): string[] {
  const out: string[] = [];
  out.push(`in green thread: ${inGreenThread()}`);

  // spawn / wait, with the result type carried through.
  const doubled: GreenThread<number> = spawn((n: number) => { sleep(0.001); return n * 2; }, 21);
  const value: number = doubled.wait();
  out.push(`spawn: ${value}`);

  // Queue<T> between a producer and a consumer.
  const queue = new Queue<string>(2);
  spawnN(() => { for (const word of ['a', 'b', 'c']) queue.put(word); });
  const words: string[] = [queue.get(), queue.get(), queue.get()];
  out.push(`queue: ${words.join('')}`);
  try {
    queue.getNowait();
  } catch (error) {
    out.push(`empty: ${error instanceof Empty}`);
  }

  // Timeout with `using`: disarmed when the block ends.
  {
    using timeout = new Timeout(5);
    sleep(0.001);
    out.push(`timeout pending: ${timeout.pending}`);
  }
  try {
    using timeout = new Timeout(0.001);
    sleep(1);
    out.push(`slept ${String(timeout)}`);
  } catch (error) {
    out.push(`timed out: ${error instanceof Timeout}`);
  }
  const fallback: number | string = withTimeout(0.001, () => { sleep(1); return 1; }, { timeoutValue: 'late' });
  out.push(`withTimeout: ${fallback}`);

  // GreenPool and GreenPile.
  const pool = new GreenPool(2);
  const squares: number[] = [...pool.imap((x: number) => x * x, [1, 2, 3])];
  out.push(`imap: ${squares.join(',')}`);
  const pile = new GreenPile<string>(pool);
  pile.spawn((s: string) => s.toUpperCase(), 'x');
  pile.spawn((s: string) => s.toUpperCase(), 'y');
  out.push(`pile: ${[...pile].join('')}`);
  pool.waitAll();

  // Events, semaphores, other queues.
  const event = new Event<number>();
  spawnAfter(0.001, () => event.send(7));
  out.push(`event: ${event.wait()}`);
  const semaphore = new Semaphore(1);
  semaphore.acquire();
  semaphore.release();
  new BoundedSemaphore(1).acquire();
  const lifo = new LifoQueue<number>();
  lifo.put(1);
  lifo.put(2);
  const priority = new PriorityQueue<[number, string]>();
  priority.put([2, 'low']);
  priority.put([1, 'high']);
  out.push(`lifo: ${lifo.get()} priority: ${priority.get()[1]}`);

  // waitFor on a promise, kill, errors.
  out.push(`waitFor: ${waitFor(Promise.resolve('resolved'))}`);
  const victim = spawn(() => sleep(10));
  sleep(0);
  kill(victim);
  try {
    victim.wait();
  } catch (error) {
    out.push(`killed: ${error instanceof GreenletExit}`);
  }
  try {
    getCurrent()?.wait();
  } catch (error) {
    out.push(`self wait: ${error instanceof Error}`);
  }
  out.push(`DeadlockError: ${typeof DeadlockError}`);

  // hub diagnostics.
  const threads: GreenThreadInfo[] = hub.threads();
  out.push(`threads: ${threads.length > 0}`);
  hub.onError(null);

  // Networking: serve a line echo, talk to it, stop it with StopServe; UDP; a lookup.
  const server: GreenServer = listen(['127.0.0.1', 0]);
  const serving = spawn(() => serve(server, (sock: GreenSocket, addr: SocketAddress) => {
    const line: Buffer = sock.readline();
    if (line.toString() === 'stop\n') throw new StopServe();
    sock.sendall(line);
    out.push(`peer is local: ${Array.isArray(addr) && addr[0] === '127.0.0.1'}`);
  }, { concurrency: 10 }));
  const client: GreenSocket = connect(server.address(), { timeout: 5 });
  client.sendall('echo me\n');
  out.push(`echo: ${client.readline().toString().trim()}`);
  client.close();
  using stopper = connect(server.address());
  stopper.sendall('stop\n');
  serving.wait();
  server.close();
  using udp = bindUdp(['127.0.0.1', 0]);
  using sender = udpSocket(4);
  sender.sendto('datagram', udp.getsockname() as [string, number]);
  const [data]: [Buffer, [string, number]] = udp.recvfrom(100);
  out.push(`udp: ${data.toString()}`);
  udp.setTimeout(0.01);
  try {
    udp.recvfrom(100);
  } catch (error) {
    out.push(`udp timeout: ${error instanceof SocketTimeoutError}`);
  }
  const addresses: AddrInfo[] = getaddrinfo('127.0.0.1', 80);
  out.push(`getaddrinfo: ${addresses[0]?.address}:${addresses[0]?.port}`);
  return out;
}

try {
  sleep(0);
} catch (error) {
  console.log(`outside: ${error instanceof NotInGreenThreadError}`);
}

run(main).then((lines: string[]) => console.log(lines.join('\n')), (error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
