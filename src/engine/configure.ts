// configure(): engine settings that apply to green threads started afterwards.
import { InvalidStateError, rangeError, typeError } from '../errors';
import { native } from './binding';
import { describe, validateOptions } from '../validate';

/** Options of {@link configure}. */
export interface ConfigureOptions {
  /**
   * Stack size of new green threads, in bytes (default 1 MiB, at least 256 KiB). JavaScript
   * may use all but the last 128 KiB, kept for V8's own C++; deeper recursion throws
   * RangeError in the green thread, never crashes the process. Threads already running keep
   * their stack; pooled threads of another size are retired as they come up.
   */
  stackSize?: number;
  /**
   * The engine backend of this JavaScript thread: `'fibers'` (green threads as stacks on this
   * thread, switched in user space; the default wherever the fiber self-check passes) or
   * `'threads'` (one OS thread per running green thread, handing V8's lock around). Only
   * before the first green thread is created; fibers that fail their self-check fall back to
   * threads, and `hub.stats().fallbackReason` says why. GREENTHREAD_BACKEND sets the same
   * choice from the environment; a later configure() overrides it.
   */
  backend?: 'fibers' | 'threads';
}

/**
 * Sets engine options for green threads started from now on in this JavaScript thread
 * (the main thread and each Worker have their own settings). Returns the settings in force
 * (`backend` is the one that runs, which may be threads after a fallback).
 * @throws TypeError for an unknown option, a non-integer size or an unknown backend;
 * RangeError for a size out of range; InvalidStateError for a backend other than the one
 * running once a green thread has been created.
 */
export function configure(options: ConfigureOptions = {}): Required<ConfigureOptions> {
  validateOptions(options, 'configure()', ['stackSize', 'backend']);
  if (options.backend !== undefined && options.backend !== 'fibers' && options.backend !== 'threads') {
    throw typeError(`configure(): backend must be 'fibers' or 'threads', got ${describe(options.backend)}`);
  }
  if (options.stackSize !== undefined) {
    const size = options.stackSize;
    if (typeof size !== 'number' || !Number.isInteger(size)) {
      throw typeError('configure(): stackSize must be an integer number of bytes');
    }
    if (size < native.minStackSize || size > native.maxStackSize) {
      throw rangeError(`configure(): stackSize must be between ${native.minStackSize} and ${native.maxStackSize} bytes, got ${size}`);
    }
    native.setStackSize(size);
  }
  if (options.backend !== undefined) {
    const refusal = native.selectBackend(options.backend);
    if (refusal !== true) throw new InvalidStateError(`configure(): ${refusal}`);
  }
  return { stackSize: native.getStackSize(), backend: native.backend().backend };
}
