// Pool of OS threads for green threads (see os-thread-pool.h).
#include "engine/os-thread-pool.h"

#include <signal.h>
#include <sys/mman.h>

#include <cerrno>
#include <deque>
#include <mutex>
#include <vector>

namespace greenthread {

namespace {

// Stacks of pool threads are mapped by us, and the top of a retired one outlives its thread:
// glibc keeps a thread's descriptor (what its pthread_t points to) at the top of its stack, and
// V8's CPU profiler keeps signalling the pthread_t of the thread that started it (pthread_kill
// from its sampler thread) for as long as the profile runs. A profile started in a green thread
// (node:inspector, or a DevTools click delivered while a green thread ran) thus outlives that
// thread's exit; with glibc's own stacks the descriptor was unmapped with the stack and the
// next tick faulted (SIGSEGV in __pthread_kill_implementation). So when a retired thread has
// been joined, everything below the top kTombstoneSize of its stack is unmapped and the top
// (descriptor and static TLS) stays mapped: a stale pthread_t then finds an exited thread and
// pthread_kill returns an error. Tombstones cost a few pages each; the oldest are unmapped
// beyond kMaxTombstones, and all of them when a new stack cannot be mapped (an address-space
// limit, ulimit -v, must not be filled by them). Process-wide: all engines share them.
constexpr size_t kThreadGuardSize = 64 * 1024;
constexpr size_t kTombstoneSize = 64 * 1024;
constexpr size_t kMaxTombstones = 4096;

std::mutex g_tombstones_mutex;
std::deque<std::pair<char*, size_t>> g_tombstones;

void* MapThreadStack(size_t map_size) {
  return mmap(nullptr, map_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
}

// A mapping of `map_size` bytes (guard included) or nullptr with errno set.
char* TakeThreadStack(size_t map_size) {
  void* map = MapThreadStack(map_size);
  if (map == MAP_FAILED) {
    {
      std::lock_guard<std::mutex> lock(g_tombstones_mutex);
      for (const auto& tomb : g_tombstones) munmap(tomb.first, tomb.second);
      g_tombstones.clear();
    }
    map = MapThreadStack(map_size);
  }
  if (map == MAP_FAILED) return nullptr;
  if (mprotect(map, kThreadGuardSize, PROT_NONE) != 0) {
    const int error = errno;
    munmap(map, map_size);
    errno = error;
    return nullptr;
  }
  return static_cast<char*>(map);
}

// For a stack whose thread has been joined: keeps its top as a tombstone (see above).
void RetireThreadStack(char* map, size_t map_size) {
  if (map_size <= kTombstoneSize) {
    munmap(map, map_size);
    return;
  }
  // Cannot fail on a range we mapped; if it did, the memory would merely stay mapped.
  munmap(map, map_size - kTombstoneSize);
  char* top = map + map_size - kTombstoneSize;
  std::pair<char*, size_t> evicted{nullptr, 0};
  {
    std::lock_guard<std::mutex> lock(g_tombstones_mutex);
    g_tombstones.emplace_back(top, kTombstoneSize);
    if (g_tombstones.size() > kMaxTombstones) {
      evicted = g_tombstones.front();
      g_tombstones.pop_front();
    }
  }
  if (evicted.first != nullptr) munmap(evicted.first, evicted.second);
}

}  // namespace

void* OsThread::Main(void* self) {
  OsThread* thread = static_cast<OsThread*>(self);
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) == 0) {
    void* low = nullptr;
    size_t size = 0;
    pthread_attr_getstack(&attr, &low, &size);
    thread->stack_low = reinterpret_cast<uintptr_t>(low);
    thread->stack_size = size;
    pthread_attr_destroy(&attr);
  }
  for (;;) {
    thread->baton.Wait(thread->spin_when_idle.load(std::memory_order_relaxed));
    if (thread->exit_requested) break;
    OsThreadJob* job = thread->job;
    thread->job = nullptr;
    job->RunOnThread(thread);
  }
  // The pool joins this thread, then frees it and reuses its stack (Reap).
  return nullptr;
}

OsThread* OsThreadPool::Acquire(size_t stack_size, int* error_out) {
  if (!exiting_.empty()) Reap(false);
  while (!idle_.empty()) {
    OsThread* thread = idle_.back();
    idle_.pop_back();
    if (thread->stack_size >= stack_size && thread->stack_size < stack_size * 2) return thread;
    // Stack size changed through configure(): this thread no longer fits.
    Retire(thread);
  }
  const size_t page = 4096;
  const size_t usable = (stack_size + page - 1) / page * page;
  char* map = TakeThreadStack(kThreadGuardSize + usable);
  if (map == nullptr) {
    *error_out = errno == ENOMEM ? EAGAIN : errno;
    return nullptr;
  }
  OsThread* thread = new OsThread();
  thread->stack_map = map;
  thread->stack_map_size = kThreadGuardSize + usable;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  int rc = pthread_attr_setstack(&attr, map + kThreadGuardSize, usable);
  if (rc == 0) {
    // Asynchronous signals belong to Node's main thread: a pooled thread blocks them so
    // SIGINT, SIGTERM, SIGCHLD, ... are always delivered where libuv expects them. Faults stay
    // unblocked: V8's WebAssembly trap handler catches SIGSEGV on whichever thread runs the
    // code, and a fault with its signal blocked would kill the process outright.
    sigset_t blocked, previous;
    sigfillset(&blocked);
    for (int fault : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS}) sigdelset(&blocked, fault);
    pthread_sigmask(SIG_SETMASK, &blocked, &previous);
    rc = pthread_create(&thread->handle, &attr, &OsThread::Main, thread);
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  }
  pthread_attr_destroy(&attr);
  if (rc != 0) {
    munmap(thread->stack_map, thread->stack_map_size);  // never started: no descriptor to keep
    delete thread;
    *error_out = rc;
    return nullptr;
  }
  started_++;
  live_++;
  return thread;
}

void OsThreadPool::Release(OsThread* thread) {
  if (shut_down_ || idle_.size() >= max_idle_) {
    Retire(thread);
    return;
  }
  // Only the warmest idle thread spins while waiting for its next job: the next spawn will
  // take exactly that one, and a pool full of spinning threads would eat the CPU.
  if (!idle_.empty()) idle_.back()->spin_when_idle.store(false, std::memory_order_relaxed);
  thread->spin_when_idle.store(true, std::memory_order_relaxed);
  idle_.push_back(thread);
}

void OsThreadPool::Retire(OsThread* thread) {
  live_--;
  exiting_.push_back(thread);
  thread->exit_requested = true;
  thread->baton.Signal();  // it leaves its loop and exits; Reap joins it
}

void OsThreadPool::Reap(bool wait) {
  size_t kept = 0;
  for (OsThread* thread : exiting_) {
    const int rc = wait ? pthread_join(thread->handle, nullptr) : pthread_tryjoin_np(thread->handle, nullptr);
    if (rc == EBUSY) {
      exiting_[kept++] = thread;
      continue;
    }
    RetireThreadStack(thread->stack_map, thread->stack_map_size);
    delete thread;
  }
  exiting_.resize(kept);
}

void OsThreadPool::Shutdown() {
  shut_down_ = true;
  for (OsThread* thread : idle_) Retire(thread);
  idle_.clear();
  Reap(true);
}

}  // namespace greenthread
