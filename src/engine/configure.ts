// configure(): engine settings that apply to green threads started afterwards.
import { rangeError, typeError } from '../errors';
import { native } from './binding';
import { validateOptions } from '../validate';

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
  validateOptions(options, 'configure()', ['stackSize']);
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
  return { stackSize: native.getStackSize() };
}
