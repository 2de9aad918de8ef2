// Pool of OS threads for green threads (see os-thread-pool.h).
#include "engine/os-thread-pool.h"

#include <signal.h>

#include <cerrno>

namespace greenthread {

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
  // Nobody references this thread any more: the pool forgot it before asking it to exit.
  delete thread;
  return nullptr;
}

OsThread* OsThreadPool::Acquire(size_t stack_size, int* error_out) {
  while (!idle_.empty()) {
    OsThread* thread = idle_.back();
    idle_.pop_back();
    if (thread->stack_size >= stack_size && thread->stack_size < stack_size * 2) return thread;
    // Stack size changed through configure(): this thread no longer fits.
    Retire(thread);
  }
  OsThread* thread = new OsThread();
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  int rc = pthread_attr_setstacksize(&attr, stack_size);
  if (rc == 0) {
    // Asynchronous signals belong to Node's main thread: a pooled thread blocks them so
    // SIGINT, SIGTERM, SIGCHLD, ... are always delivered where libuv expects them. Faults stay
    // unblocked: V8's WebAssembly trap handler catches SIGSEGV on whichever thread runs the
    // code, and a fault with its signal blocked would kill the process outright.
    sigset_t blocked, previous;
    sigfillset(&blocked);
    for (int fault : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS}) sigdelset(&blocked, fault);
    pthread_sigmask(SIG_SETMASK, &blocked, &previous);
    pthread_t handle;
    rc = pthread_create(&handle, &attr, &OsThread::Main, thread);
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  }
  pthread_attr_destroy(&attr);
  if (rc != 0) {
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
  thread->exit_requested = true;
  thread->baton.Signal();  // the thread frees itself; never touch it again
}

void OsThreadPool::Shutdown() {
  shut_down_ = true;
  for (OsThread* thread : idle_) Retire(thread);
  idle_.clear();
}

}  // namespace greenthread
