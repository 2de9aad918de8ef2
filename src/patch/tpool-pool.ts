// The worker pool behind tpool.execute(): node:worker_threads Workers running tpool-worker.ts,
// one job at a time each, started lazily up to the pool's size; jobs beyond that wait in a FIFO
// queue. An idle worker is unref'd (the process may exit while it waits for work); a busy one
// is ref'd, so the event loop stays alive while a green thread waits for it (otherwise the
// loop would run dry and the hub would report a deadlock). A worker whose caller gave up (killed,
// timed out) is terminated rather than left running a job nobody wants; one that dies fails its
// own job with TpoolWorkerError and nothing else: the queue goes on with fresh workers.
import { Worker } from 'node:worker_threads';
import { TpoolWorkerError } from '../errors';
import type { Waiter } from '../hub/waiter';
import { rebuildThrown, type ThrownDescription } from './tpool-rebuild';
import { WORKER_SOURCE } from './tpool-worker';

/** @internal What a job asks its worker to run: a function's source, or a module's export. */
export type JobTarget = { readonly src: string; readonly label: string } | { readonly url: string; readonly name: string };

const enum JobState { Queued, Running, Done }

/** @internal One execute() call: what to run, and the caller's Waiter. */
export class Job {
  state = JobState.Queued;
  worker: PoolWorker | null = null;
  constructor(
    readonly id: number,
    readonly target: JobTarget,
    public args: unknown[] | null,
    readonly waiter: Waiter<unknown>,
  ) {}
}

interface PoolWorker {
  readonly worker: Worker;
  job: Job | null;
  /** Exited, or terminated by the pool: no longer one of its workers. */
  ended: boolean;
  /** The error it reported before exiting (an uncaught exception, ERR_WORKER_OUT_OF_MEMORY). */
  lastError: unknown;
}

interface Reply {
  id: number;
  ok: boolean;
  value?: unknown;
  thrown?: ThrownDescription;
}

// Above this many consumed slots at the queue's front, the array is compacted.
const QUEUE_COMPACT_AT = 1024;

/** @internal The pool; tpool.ts holds the one instance of each loaded copy of the package. */
export class TpoolPool {
  readonly #workers = new Set<PoolWorker>();
  // Idle workers, the most recently used last: it is taken first, warm.
  readonly #idle: PoolWorker[] = [];
  readonly #queue: Array<Job | undefined> = [];
  #head = 0;
  #nextId = 1;

  /** @param size Reads the pool's size (resolved lazily: the env variable is read at first use). */
  constructor(private readonly size: () => number) {}

  /** Live workers, busy ones, and jobs waiting for a worker. */
  stats(): { workers: number; busy: number; queued: number } {
    let queued = 0;
    for (let i = this.#head; i < this.#queue.length; i++) if (this.#queue[i]?.state === JobState.Queued) queued++;
    return { workers: this.#workers.size, busy: this.#workers.size - this.#idle.length, queued };
  }

  /**
   * Starts `target(...args)` on a worker now, or queues it behind earlier jobs. Throws at once,
   * with nothing started or queued, when `args` cannot be cloned (DataCloneError) or no worker
   * can be created.
   */
  submit(target: JobTarget, args: unknown[], waiter: Waiter<unknown>): Job {
    const job = new Job(this.#nextId++, target, args, waiter);
    // No idle worker and no room for a new one means every slot is busy: queue. (After every
    // change the pool hands queued jobs to free workers, so a free worker means an empty queue.)
    const worker = this.#takeWorker();
    if (worker !== null) {
      this.#start(job, worker);
    } else {
      // Cloned now, so a bad argument fails the caller at once rather than when its turn comes.
      job.args = structuredClone(args);
      this.#queue.push(job);
    }
    return job;
  }

  /**
   * The caller stopped waiting for `job` (killed, timed out): a queued job is dropped; a running
   * one has its worker terminated, since JavaScript cannot be interrupted any other way and a
   * job nobody waits for must not hold a pool slot. A replacement starts when a job needs it.
   */
  cancel(job: Job): void {
    if (job.state === JobState.Queued) {
      job.state = JobState.Done;
      job.args = null;
    } else if (job.state === JobState.Running) {
      const worker = job.worker as PoolWorker;
      job.state = JobState.Done;
      job.worker = null;
      worker.job = null;
      this.#terminate(worker);
      this.#pump();
    }
  }

  /** Terminates every worker; every job running or queued fails with TpoolWorkerError. */
  killall(): void {
    const failed: Job[] = [];
    for (let i = this.#head; i < this.#queue.length; i++) {
      const job = this.#queue[i];
      if (job !== undefined && job.state === JobState.Queued) failed.push(job);
    }
    this.#queue.length = 0;
    this.#head = 0;
    for (const worker of [...this.#workers]) {
      if (worker.job !== null) failed.push(worker.job);
      worker.job = null;
      this.#terminate(worker);
    }
    for (const job of failed) {
      job.state = JobState.Done;
      job.worker = null;
      job.args = null;
      job.waiter.throw(new TpoolWorkerError('tpool.killall() terminated the worker threads while this job was running or queued'));
    }
  }

  /** The size changed: start workers for queued jobs, or retire idle workers beyond it. */
  resized(): void {
    const size = this.size();
    while (this.#workers.size > size && this.#idle.length > 0) this.#terminate(this.#idle[0]);
    this.#pump();
  }

  #takeWorker(): PoolWorker | null {
    const idle = this.#idle.pop();
    if (idle !== undefined) return idle;
    if (this.#workers.size >= this.size()) return null;
    return this.#spawn();
  }

  #spawn(): PoolWorker {
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    const entry: PoolWorker = { worker, job: null, ended: false, lastError: undefined };
    worker.on('message', (reply: Reply) => { this.#onReply(entry, reply); });
    worker.on('messageerror', (error: unknown) => { this.#onMessageError(entry, error); });
    worker.on('error', (error: unknown) => { entry.lastError = error; });
    worker.on('exit', (code: number) => { this.#onExit(entry, code); });
    this.#workers.add(entry);
    return entry;
  }

  // Hands `job` to `worker`. If the arguments cannot be cloned, the worker goes back to idle
  // and the DataCloneError is thrown.
  #start(job: Job, worker: PoolWorker): void {
    try {
      worker.worker.postMessage({ id: job.id, ...job.target, args: job.args });
    } catch (error) {
      this.#release(worker, false);
      throw error;
    }
    job.args = null;
    job.state = JobState.Running;
    job.worker = worker;
    worker.job = job;
    worker.worker.ref();
  }

  #onReply(worker: PoolWorker, reply: Reply): void {
    const job = worker.job;
    if (job === null || reply === null || typeof reply !== 'object' || reply.id !== job.id) return;
    this.#finish(worker, job);
    if (reply.ok) {
      job.waiter.wake(reply.value);
    } else {
      let error: unknown;
      try {
        error = rebuildThrown(reply.thrown as ThrownDescription);
      } catch (cause) {
        error = new TpoolWorkerError('tpool.execute(): the job failed, and its error could not be rebuilt', undefined, { cause });
      }
      job.waiter.throw(error);
    }
    this.#release(worker);
  }

  // A reply that could not be deserialized here: the job's result is lost, the worker is fine.
  #onMessageError(worker: PoolWorker, error: unknown): void {
    const job = worker.job;
    if (job === null) return;
    this.#finish(worker, job);
    job.waiter.throw(error);
    this.#release(worker);
  }

  #onExit(worker: PoolWorker, code: number): void {
    if (worker.ended) return;
    this.#forget(worker);
    const job = worker.job;
    if (job !== null) {
      this.#finish(worker, job);
      const cause = worker.lastError;
      const why = cause === undefined ? '' : `: ${describeCause(cause)}`;
      job.waiter.throw(new TpoolWorkerError(
        `tpool.execute(): the worker thread running this job exited (code ${code}) before the job ended${why}`,
        code, cause === undefined ? undefined : { cause },
      ));
    }
    this.#pump();
  }

  #finish(worker: PoolWorker, job: Job): void {
    job.state = JobState.Done;
    job.worker = null;
    worker.job = null;
  }

  // A worker free again: back to idle (unref'd) unless the pool shrank meanwhile, and queued
  // jobs go to it (unless the caller is handing out queued jobs itself: `pump` false).
  #release(worker: PoolWorker, pump = true): void {
    if (worker.ended) return;
    if (this.#workers.size > this.size()) {
      this.#terminate(worker);
    } else {
      worker.worker.unref();
      this.#idle.push(worker);
    }
    if (pump) this.#pump();
  }

  #terminate(worker: PoolWorker): void {
    this.#forget(worker);
    worker.worker.unref();
    worker.worker.terminate().catch(() => { /* it is gone either way */ });
  }

  #forget(worker: PoolWorker): void {
    worker.ended = true;
    this.#workers.delete(worker);
    const at = this.#idle.indexOf(worker);
    if (at >= 0) this.#idle.splice(at, 1);
  }

  // Hands queued jobs, oldest first, to free workers while there are both.
  #pump(): void {
    const queue = this.#queue;
    while (this.#head < queue.length) {
      const job = queue[this.#head] as Job;
      if (job.state !== JobState.Queued) {
        queue[this.#head++] = undefined;
        continue;
      }
      let worker: PoolWorker | null;
      try {
        worker = this.#takeWorker();
      } catch (error) {
        // No worker can be created now (the OS refused a thread): this job fails, the next
        // ones try again when a worker frees up or another job comes.
        queue[this.#head++] = undefined;
        job.state = JobState.Done;
        job.waiter.throw(error);
        continue;
      }
      if (worker === null) break;
      queue[this.#head++] = undefined;
      try {
        this.#start(job, worker);
      } catch (error) {
        job.state = JobState.Done;
        job.waiter.throw(error);
      }
    }
    if (this.#head === queue.length) {
      queue.length = 0;
      this.#head = 0;
    } else if (this.#head > QUEUE_COMPACT_AT && this.#head * 2 > queue.length) {
      queue.splice(0, this.#head);
      this.#head = 0;
    }
  }
}

function describeCause(cause: unknown): string {
  try {
    if (cause instanceof Error) return `${cause.name}: ${cause.message}`;
    return String(cause);
  } catch {
    return 'an unprintable error';
  }
}
