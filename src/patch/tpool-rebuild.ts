// Turns what a tpool job threw in its worker (described as plain data by the worker script,
// tpool-worker.ts) back into an error on the calling side: the built-in class it was or
// descended from, its name, message, the worker's stack, its own cloneable properties (`code`,
// `errno`, ...), its cause and an AggregateError's errors.

/** @internal What the worker sends for a thrown value (see describeThrown in tpool-worker.ts). */
export type ThrownDescription =
  | { kind: 'value'; value: unknown }
  | { kind: 'dom'; name: string; message: string; stack?: string }
  | {
    kind: 'error';
    /** The nearest built-in Error class it was an instance of ('Error' at least). */
    base: string;
    /** Its constructor's name, when it had one. */
    className?: string;
    name: string;
    message: string;
    stack?: string;
    props: Record<string, unknown>;
    cause?: ThrownDescription;
    errors?: ThrownDescription[];
  };

const BUILTINS: Record<string, ErrorConstructor> = {
  Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError,
};

function defineHidden(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: false, configurable: true });
}

/** @internal The caller-side value for what a job threw in its worker. */
export function rebuildThrown(thrown: ThrownDescription): unknown {
  if (thrown.kind === 'value') return thrown.value;
  if (thrown.kind === 'dom') {
    const error = new DOMException(thrown.message, thrown.name);
    if (thrown.stack !== undefined) defineHidden(error, 'stack', thrown.stack);
    return error;
  }
  let error: Error;
  if (thrown.base === 'AggregateError') {
    error = new AggregateError((thrown.errors ?? []).map(rebuildThrown), thrown.message);
  } else {
    error = new (BUILTINS[thrown.base] ?? Error)(thrown.message);
  }
  const baseName = (Object.getPrototypeOf(error) as { name: string }).name;
  if (thrown.name !== baseName) {
    defineHidden(error, 'name', thrown.name);
  } else if (thrown.className !== undefined && thrown.className !== '' && thrown.className !== baseName &&
             !(thrown.className in BUILTINS) && thrown.className !== 'AggregateError') {
    // A class of the user's own that left `name` inherited: say which class it was.
    defineHidden(error, 'name', thrown.className);
  }
  defineHidden(error, 'stack', thrown.stack ?? `${error.name}: ${error.message}`);
  for (const [key, value] of Object.entries(thrown.props)) {
    try {
      (error as unknown as Record<string, unknown>)[key] = value;
    } catch {
      // A key the rebuilt class keeps read-only: the original's value is lost, nothing else.
    }
  }
  if (thrown.cause !== undefined) defineHidden(error, 'cause', rebuildThrown(thrown.cause));
  return error;
}
