// OS threads that back green threads, kept in a pool so a finished green thread's thread (its
// stack already faulted in, its V8 per-thread data already allocated) serves the next one.
// Starting a thread costs tens of microseconds; taking one from the pool costs nothing.
//
// Threading rule: the pool itself is touched only by the thread that holds the isolate's baton
// (the hub, or a coroutine starting another), so it needs no lock. A pooled thread talks to the rest of the engine only through its baton.
#pragma once

#include <pthread.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "engine/baton.h"

namespace greenthread {

class OsThread;

// Work that runs on a pooled thread between two waits on its baton.
class OsThreadJob {
 public:
  virtual ~OsThreadJob() = default;
  // Runs on `thread`. Must give the isolate back (signal the hub) as its very last act and not
  // touch the job afterwards: the hub may free it the moment it is signalled.
  virtual void RunOnThread(OsThread* thread) = 0;
};

class OsThread {
 public:
  // Signalled to start a job, to resume a parked job, or to make the thread exit.
  Baton baton;
  // Set by the baton holder before it signals `baton` for a job start; read only by this thread.
  OsThreadJob* job = nullptr;
  bool exit_requested = false;
  // Whether the next idle wait may spin (see Baton::Wait); set by the pool on release.
  std::atomic<bool> spin_when_idle{false};
  // Lowest usable address of this thread's stack and its size; written by the thread itself
  // before its first wait, so valid whenever a job runs.
  uintptr_t stack_low = 0;
  size_t stack_size = 0;
  // The stack the pool mapped for it (OsThreadStacks) and its handle, for the join.
  char* stack_map = nullptr;
  size_t stack_map_size = 0;
  pthread_t handle{};

 private:
  friend class OsThreadPool;
  static void* Main(void* self);
};

class OsThreadPool {
 public:
  explicit OsThreadPool(size_t max_idle) : max_idle_(max_idle) {}
  // Joins the threads retired after Shutdown (their jobs ended during teardown).
  ~OsThreadPool() { Reap(true); }
  OsThreadPool(const OsThreadPool&) = delete;
  OsThreadPool& operator=(const OsThreadPool&) = delete;

  // An idle thread whose stack has `stack_size` bytes, or a new one. Returns nullptr with the
  // OS error in *error_out (EAGAIN: thread or memory limit) when no thread can be had.
  OsThread* Acquire(size_t stack_size, int* error_out);

  // Takes back a thread whose job has given the isolate back for the last time (or never ran).
  void Release(OsThread* thread);

  // Ends every idle thread and waits for every retired one to be gone. Threads still running
  // jobs are not affected.
  void Shutdown();

  size_t idle_count() const { return idle_.size(); }
  size_t started_count() const { return started_; }
  size_t live_count() const { return live_; }

 private:
  void Retire(OsThread* thread);
  // Joins retired threads that have exited (all of them, waiting, with `wait`) and gives
  // their stacks back to OsThreadStacks.
  void Reap(bool wait);

  size_t max_idle_;
  // LIFO: the most recently released thread has the warmest stack and caches.
  std::vector<OsThread*> idle_;
  size_t started_ = 0;  // threads ever started
  size_t live_ = 0;     // threads started and not yet told to exit
  std::vector<OsThread*> exiting_;  // told to exit, not yet joined
  bool shut_down_ = false;
};

}  // namespace greenthread
