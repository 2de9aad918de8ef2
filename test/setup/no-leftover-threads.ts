// After each test file: every green thread it started has ended. jest runs several files one
// after another in one worker process, and a thread left parked (a serve handler on a socket
// nobody closed) would wake up during a later file, in a module registry and vm context that are
// no longer current. Threads still winding down (a handler reading the EOF of a socket the test
// just closed) get a short while to end; what is left then fails the file, with each thread and
// the call it is suspended in.
import { inspect } from 'node:util';
import { hub } from '../../src';

afterAll(async () => {
  const deadline = Date.now() + 3000;
  while (hub.threads().length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  const left = hub.threads();
  if (left.length > 0) {
    throw new Error(`green threads left alive by this test file (end them in the test): ${left.slice(0, 10).map((t) => inspect(t)).join('; ')}`);
  }
});
