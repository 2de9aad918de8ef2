// The lifecycle of a green thread: one enum, the transitions the hub may make, and named
// predicates, so every place that asks "can this thread be resumed?" asks the same question.
//
//   Unstarted ──start──▶ Running ◀──resume── Ready ◀──wake── Suspended
//       │                  │ │ └──sleep(0)────────▲               ▲
//       │                  │ └──────────suspend───────────────────┘
//       └──kill/cancel──▶ Dead ◀──return/throw──┘

export const enum ThreadState {
  /** Spawned; its function has not started (waiting for its turn or its spawnAfter timer). */
  Unstarted = 0,
  /** Running JavaScript now: it holds the baton. */
  Running = 1,
  /** Parked at a suspension point, waiting for something to wake it. */
  Suspended = 2,
  /** Woken (with a value or an error) and queued for the hub to resume. */
  Ready = 3,
  /** Finished: returned, threw, or was killed. */
  Dead = 4,
}

const allowed: ReadonlyArray<ReadonlyArray<ThreadState>> = [
  /* Unstarted */ [ThreadState.Running, ThreadState.Dead],
  /* Running   */ [ThreadState.Suspended, ThreadState.Ready, ThreadState.Dead],
  /* Suspended */ [ThreadState.Ready],
  /* Ready     */ [ThreadState.Running],
  /* Dead      */ [],
];

export function canTransition(from: ThreadState, to: ThreadState): boolean {
  return allowed[from].includes(to);
}

/** The hub may hand the baton to a thread in this state. */
export function isResumable(state: ThreadState): boolean {
  return state === ThreadState.Unstarted || state === ThreadState.Ready;
}

export function stateName(state: ThreadState): string {
  return ['unstarted', 'running', 'suspended', 'ready', 'dead'][state];
}
