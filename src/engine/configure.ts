// configure(): engine settings that apply to green threads started afterwards.
import { native } from './binding';

/** Options of {@link configure}. */
export interface ConfigureOptions {
  /**
   * Stack size of new green threads, in bytes (default 1 MiB, at least 256 KiB). JavaScript
   * may use all but the last 128 KiB, kept for V8's own C++; deeper recursion throws
   * RangeError in the green thread, never crashes the process. Threads already running keep
   * their stack; pooled threads of another size are retired as they come up.
   */
  stackSize?: number;
}

/**
 * Sets engine options for green threads started from now on in this JavaScript thread
 * (the main thread and each Worker have their own settings). Returns the settings in force.
 * @throws TypeError for an unknown option or a non-integer size; RangeError for a size out
 * of range.
 */
export function configure(options: ConfigureOptions = {}): Required<ConfigureOptions> {
  if (options === null || typeof options !== 'object') throw new TypeError('configure(): options must be an object');
  for (const key of Object.keys(options)) {
    if (key !== 'stackSize') throw new TypeError(`configure(): unknown option ${JSON.stringify(key)}`);
  }
  if (options.stackSize !== undefined) {
    const size = options.stackSize;
    if (typeof size !== 'number' || !Number.isInteger(size)) {
      throw new TypeError('configure(): stackSize must be an integer number of bytes');
    }
    if (size < native.minStackSize || size > native.maxStackSize) {
      throw new RangeError(`configure(): stackSize must be between ${native.minStackSize} and ${native.maxStackSize} bytes, got ${size}`);
    }
    native.setStackSize(size);
  }
  return { stackSize: native.getStackSize() };
}
