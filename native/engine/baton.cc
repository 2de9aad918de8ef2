// Futex-backed baton with adaptive spinning (see baton.h for the contract).
#include "engine/baton.h"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <sched.h>

namespace greenthread {

namespace {

std::atomic<uint32_t> g_max_spin_nanos{50000};
// The first part of a spin only pauses; after it, every check also offers the core away.
constexpr uint64_t kPureSpinNanos = 2000;

inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#endif
}

inline uint64_t NowNanos() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

inline long Futex(std::atomic<uint32_t>* addr, int op, uint32_t value) {
  return syscall(SYS_futex, reinterpret_cast<uint32_t*>(addr), op, value, nullptr, nullptr, 0);
}

}  // namespace

void Baton::SetMaxSpinNanos(uint32_t nanos) { g_max_spin_nanos.store(nanos); }

void Baton::Signal() {
  // Release: everything this thread wrote (V8 state archived by the Unlocker included)
  // happens-before the waiter's acquire below.
  if (state_.exchange(kSignalled, std::memory_order_acq_rel) == kSleeping) {
    Futex(&state_, FUTEX_WAKE_PRIVATE, 1);
  }
}

bool Baton::SpinFor(uint32_t nanos) {
  if (nanos == 0) return false;
  const uint64_t deadline = NowNanos() + nanos;
  for (;;) {
    // Check the clock only every 64 pauses: reading it costs more than a pause.
    for (int i = 0; i < 64; i++) {
      if (state_.load(std::memory_order_acquire) == kSignalled) return true;
      CpuRelax();
    }
    const uint64_t now = NowNanos();
    if (now >= deadline) return false;
    // Past the first microseconds, give the core to any other runnable thread between checks:
    // on a 2-vCPU machine a third busy thread would otherwise starve the one doing real work.
    if (now + nanos - deadline > kPureSpinNanos) sched_yield();
  }
}

void Baton::Sleep() {
  uint32_t expected = kIdle;
  if (state_.compare_exchange_strong(expected, kSleeping, std::memory_order_acq_rel)) {
    // Spurious wake-ups and EINTR simply loop: only Signal() moves the state off kSleeping.
    while (state_.load(std::memory_order_acquire) == kSleeping) {
      Futex(&state_, FUTEX_WAIT_PRIVATE, kSleeping);
    }
  }
}

void Baton::Wait(bool may_spin) {
  const uint32_t max_spin = g_max_spin_nanos.load(std::memory_order_relaxed);
  if (!spin_initialised_) {
    spin_nanos_ = max_spin;
    spin_initialised_ = true;
  }
  if (spin_nanos_ > max_spin) spin_nanos_ = max_spin;
  if (!may_spin || max_spin == 0) {
    Sleep();
  } else {
    const uint64_t start = NowNanos();
    if (SpinFor(spin_nanos_)) {
      // The partner came back while we spun: spinning pays here, keep growing the budget.
      spin_nanos_ = spin_nanos_ < 1000 ? 1000 : spin_nanos_ * 2;
    } else {
      Sleep();
      // Had the spin budget been larger, would spinning have caught this signal? If so grow it
      // back; if the partner took longer than any spin we allow, halve it so a long-running
      // partner stops costing CPU.
      if (NowNanos() - start < max_spin) {
        spin_nanos_ = spin_nanos_ < 1000 ? 1000 : spin_nanos_ * 2;
      } else {
        spin_nanos_ /= 2;
      }
    }
    if (spin_nanos_ > max_spin) spin_nanos_ = max_spin;
  }
  state_.store(kIdle, std::memory_order_relaxed);
}

}  // namespace greenthread
