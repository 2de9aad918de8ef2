// Baton: the one-shot signal that hands the right to run JavaScript from one OS thread to
// another. Exactly one thread waits on a given baton and exactly one other signals it, strictly
// alternating; a signal that comes before the wait is kept, so the order never matters.
//
// Waiting spins briefly before sleeping on a futex: a green thread that yields is usually
// resumed again within microseconds, and a futex wake-up across cores costs tens of
// microseconds on this class of machine (DESIGN.md). The spin budget adapts: a waiter whose
// recent waits ended while spinning keeps spinning, one whose waits outlast the budget stops
// burning CPU and parks at once. A parked waiter costs nothing. A spin yields the core between
// checks (sched_yield): with two vCPUs, the hub waiting on a green thread and a green thread
// waiting to be resumed must not starve the one that runs.
#pragma once

#include <atomic>
#include <cstdint>

namespace greenthread {

class Baton {
 public:
  Baton() = default;
  Baton(const Baton&) = delete;
  Baton& operator=(const Baton&) = delete;

  // Hands the baton to the waiter. Called by the thread giving up the isolate.
  void Signal();

  // Returns once Signal() has been called; consumes the signal. `may_spin` is the caller's
  // hint that the signal is expected soon (a partner that will hand back quickly); without it
  // the waiter parks at once, which is what idle pool threads and long waits want.
  // `holder_cpu`, if given, is where the thread that will signal runs (see NoteHolderCpu):
  // a waiter on that same CPU gives the CPU up at once instead of spinning against it.
  void Wait(bool may_spin, const std::atomic<int>* holder_cpu = nullptr);

  // Publishes the calling thread's CPU in `holder_cpu`: called by whoever takes the isolate.
  static void NoteHolderCpu(std::atomic<int>* holder_cpu);

  // Tells a waiter asleep in the kernel that the signal is coming soon: it wakes and spins for
  // it instead, so the kernel's wake-up latency overlaps the signaller's remaining work. Does
  // nothing to a waiter that is spinning or already signalled. Any thread may call it.
  void Prod();

 private:
  // Upper bound of the spin budget, in nanoseconds: a few cross-core futex wake-ups' worth. A
  // partner slower than that wakes us from the kernel instead. One value for every engine (a
  // constant, not a knob: no process-global mutable state).
  static constexpr uint32_t kMaxSpinNanos = 50000;

  // kIdle: nobody signalled; kSignalled: signal pending; kSleeping: the waiter is in futex_wait.
  // Prod() moves kSleeping back to kIdle.
  enum : uint32_t { kIdle = 0, kSignalled = 1, kSleeping = 2 };
  bool SpinFor(uint32_t nanos, const std::atomic<int>* holder_cpu);
  // Sleeps in the kernel; returns true when signalled, false when prodded.
  bool Sleep();

  std::atomic<uint32_t> state_{kIdle};
  // Current spin budget in nanoseconds, adapted after every wait. Only the waiter touches it.
  uint32_t spin_nanos_ = kMaxSpinNanos;
};

}  // namespace greenthread
