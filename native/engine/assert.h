// Invariant checks for the engine. An impossible state is a bug in greenthread, never the
// user's fault, so it aborts with a message naming the broken invariant (libuv's rule):
// limping on with a corrupted baton would hand the isolate to two threads at once.
#pragma once

#include <cstdio>
#include <cstdlib>

#define GT_CHECK(cond, what)                                                          \
  do {                                                                                \
    if (!(cond)) {                                                                    \
      std::fprintf(stderr, "greenthread: internal invariant broken: %s (%s:%d)\n",    \
                   what, __FILE__, __LINE__);                                         \
      std::abort();                                                                   \
    }                                                                                 \
  } while (0)
