// Compiles only if `new GreenThread()` is a type error for a consumer: green threads come
// from spawn() (and friends), never from the constructor.
import { GreenThread } from 'greenthread';

export function constructsAThread(): unknown {
  // @ts-expect-error GreenThread has no public constructor
  return new GreenThread();
}

export function constructsAThreadFromAFunction(): unknown {
  // @ts-expect-error not even with a body
  return new GreenThread(() => 1, [], 0);
}
