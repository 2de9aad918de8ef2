// planSyncSpawn(): reads spawnSync's (file, args, options) the way Node's spawnSync does and
// turns them into a plan for the asynchronous spawn, or says "leave this call to the
// original" for every shape it cannot reproduce exactly (invalid values included: the original
// then throws its own error before it blocks).
import { constants } from 'node:os';

/** What one stdio slot of the child is, as spawnSync sees it. */
export type StdioKind = 'pipe' | 'other';

/** A spawnSync call restated for the asynchronous spawn. */
export interface SyncSpawnPlan {
  /** The arguments for child_process.spawn: the caller's file and args, options with `stdio` rewritten and the sync-only keys removed. */
  readonly file: string;
  readonly args: readonly unknown[] | undefined;
  readonly spawnOptions: Record<string, unknown>;
  /** Per stdio slot (at least three): whether spawnSync makes it a pipe. */
  readonly kinds: readonly StdioKind[];
  /** What is written to the child's stdin pipe, then closed. */
  readonly input: Buffer | null;
  /** The encoding of the output strings, or null for Buffers. */
  readonly encoding: BufferEncoding | null;
  /** Milliseconds before the child is killed with ETIMEDOUT; 0 for none. */
  readonly timeout: number;
  /** Bytes of output (all pipes together) beyond which the child is killed with ENOBUFS; 0 for no limit. */
  readonly maxBuffer: number;
  /** The signal that kills the child on timeout, overflow, or a kill of the waiting green thread. */
  readonly killSignal: number;
}

// spawnSync's default maxBuffer (lib/internal/child_process.js MAX_BUFFER).
const MAX_BUFFER = 1024 * 1024;
const MAX_TIMER_MS = 2 ** 31 - 1;
const SIGNALS = constants.signals as Readonly<Record<string, number>>;
const SIGNAL_NUMBERS = new Set(Object.values(SIGNALS));
// Keys spawnSync reads itself (or never reads) that the asynchronous spawn would act on.
const SYNC_ONLY_KEYS = ['timeout', 'killSignal', 'maxBuffer', 'input', 'encoding', 'signal', 'serialization'];

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** spawnSync's sanitizeKillSignal, as a number; undefined where it would throw. */
function killSignalOf(value: unknown): number | undefined {
  if (value === undefined || value === null) return SIGNALS.SIGTERM;
  if (typeof value === 'number') return SIGNAL_NUMBERS.has(value) ? value : undefined;
  if (typeof value === 'string') return Object.hasOwn(SIGNALS, value.toUpperCase()) ? SIGNALS[value.toUpperCase()] : undefined;
  return undefined;
}

/** The stdio slots as spawnSync's getValidStdio(stdio, true) makes them, or undefined to leave it to the original. */
function stdioOf(value: unknown): { kinds: StdioKind[]; forSpawn: unknown[] } | undefined {
  let entries: unknown[];
  if (typeof value === 'string') {
    if (value === 'inherit') entries = [0, 1, 2];
    else if (value === 'pipe' || value === 'overlapped' || value === 'ignore') entries = [value, value, value];
    else return undefined;
  } else if (Array.isArray(value)) {
    if (Object.isFrozen(value) || value.length > 64) return undefined;
    // As Node does: the caller's own array is padded to three entries.
    while (value.length < 3) value.push(undefined);
    entries = value;
  } else {
    return undefined;
  }
  const kinds: StdioKind[] = [];
  const forSpawn: unknown[] = [];
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i] ?? (i < 3 ? 'pipe' : 'ignore');
    if (entry === 'pipe' || entry === 'overlapped' || (typeof entry === 'number' && Number.isInteger(entry) && entry < 0)) {
      kinds.push('pipe');
      forSpawn.push('pipe');
    } else if (entry === 'ignore') {
      kinds.push('other');
      forSpawn.push('ignore');
    } else if (entry === 'inherit') {
      kinds.push('other');
      forSpawn.push(i);
    } else if (typeof entry === 'number' && Number.isInteger(entry) && entry <= 0x7fffffff) {
      kinds.push('other');
      forSpawn.push(entry);
    } else {
      return undefined;  // streams, { fd }, 'ipc', typed arrays...: the original decides
    }
  }
  return { kinds, forSpawn };
}

/**
 * The plan for `spawnSync(file, args, options)`, or undefined when the call is to go to the
 * original (arguments Node rejects, or shapes this layer does not reproduce). Validation that
 * spawnSync shares with the asynchronous spawn (file, args, cwd, env, shell, uid, ...) is left
 * to spawn itself: the caller falls back to the original when spawn throws.
 */
export function planSyncSpawn(file: unknown, args: unknown, options: unknown): SyncSpawnPlan | undefined {
  if (typeof file !== 'string') return undefined;
  let opts = options;
  let argv: readonly unknown[] | undefined;
  if (Array.isArray(args)) {
    argv = args;
  } else if (args === undefined || args === null) {
    argv = undefined;
  } else if (typeof args === 'object') {
    opts = args;
  } else {
    return undefined;
  }
  if (opts !== undefined && (!isPlainObject(opts) || typeof opts === 'function')) return undefined;
  const o: Record<string, unknown> = { ...(opts as Record<string, unknown> | undefined) };

  const timeout = o.timeout;
  if (timeout !== undefined && timeout !== null && !(Number.isInteger(timeout) && (timeout as number) >= 0 && (timeout as number) <= MAX_TIMER_MS)) return undefined;
  // spawnSync spreads the options over { maxBuffer: MAX_BUFFER }: a maxBuffer key that is
  // present but null or undefined means no limit, as 0 does.
  let maxBuffer = MAX_BUFFER;
  if (Object.hasOwn(o, 'maxBuffer')) {
    const m = o.maxBuffer;
    if (m === undefined || m === null) maxBuffer = 0;
    else if (typeof m === 'number' && m >= 0) maxBuffer = m;
    else return undefined;
  }
  const killSignal = killSignalOf(o.killSignal);
  if (killSignal === undefined) return undefined;
  const stdio = stdioOf(o.stdio || 'pipe');
  if (stdio === undefined) return undefined;

  const encoding = o.encoding;
  if (encoding && encoding !== 'buffer' && !(typeof encoding === 'string' && Buffer.isEncoding(encoding))) return undefined;
  let input: Buffer | null = null;
  if (o.input) {
    if (ArrayBuffer.isView(o.input)) {
      input = Buffer.from(o.input.buffer, o.input.byteOffset, o.input.byteLength);
    } else if (typeof o.input === 'string') {
      try {
        input = Buffer.from(o.input, encoding as BufferEncoding | undefined);
      } catch {
        return undefined;  // an encoding Buffer.from refuses: the original throws it
      }
    } else {
      return undefined;
    }
  }

  const spawnOptions: Record<string, unknown> = { ...o, stdio: stdio.forSpawn };
  for (const key of SYNC_ONLY_KEYS) delete spawnOptions[key];
  return {
    file,
    args: argv,
    spawnOptions,
    kinds: stdio.kinds,
    input: stdio.kinds[0] === 'pipe' ? input : null,
    encoding: encoding && encoding !== 'buffer' ? encoding as BufferEncoding : null,
    timeout: typeof timeout === 'number' ? timeout : 0,
    maxBuffer,
    killSignal,
  };
}
