// Stacks for fibers: anonymous mappings with an inaccessible guard region below, handed out by a
// per-engine pool that reuses freed stacks last-in first-out. A stack costs memory only for the
// pages its fiber touched: the mapping reserves no swap (MAP_NORESERVE), and a stack that stays
// idle gives its deep pages back to the kernel, or its mapping, once it has aged (see
// FiberStackPool::Decay for the policy).
//
// Threading rule, as for the OS-thread pool: only the thread that runs the isolate touches the
// pool, so it has no lock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace greenthread {

// The range configure({ stackSize }) accepts; must equal Engine::kMinStackSize/kMaxStackSize
// (engine.h includes V8, which this file must not; test/engine/fiber-core.test.ts compares them).
inline constexpr size_t kFiberStackMinSize = 256 * 1024;
inline constexpr size_t kFiberStackMaxSize = 1024ull * 1024 * 1024;

// Inaccessible bytes below every stack. More than one page: a C++ frame with a large local
// array can move the stack pointer several pages at once and step over a single guard page
// (the "stack clash"); 64 KiB costs address space only.
inline constexpr size_t kFiberStackGuardSize = 64 * 1024;

// Bytes at the top of a pooled stack left mapped when it goes back to the pool: the pages every
// fiber touches first (entry frames, V8's entry stub), so the next user does not fault them in
// again. Below this the pages are released (FiberStackPool::Release).
inline constexpr size_t kFiberStackWarmSize = 16 * 1024;

// How the guard region is made inaccessible; decided once per process.
enum class FiberGuardKind : uint8_t {
  kUnknown = 0,
  // MADV_GUARD_INSTALL (Linux >= 6.13): markers in the page table, no separate mapping, so
  // adjacent stacks merge into one VMA and vm.max_map_count (65,530 by default) does not cap the
  // number of stacks.
  kGuardMarkers = 1,
  // mprotect(PROT_NONE): two VMAs per stack, so at most about 32,000 stacks exist at once; the
  // next mmap or mprotect then fails with ENOMEM, reported like any other mapping failure.
  kProtNone = 2,
};

// What a stack's pages do when it goes back to the pool.
enum class FiberStackTrim : uint8_t {
  kKeep = 0,      // nothing: fastest reuse, but a pooled stack keeps every page it ever touched
  kDontNeed = 1,  // MADV_DONTNEED below the warm top once aged: RSS drops (default)
  kFree = 2,      // the same with MADV_FREE: dropped only under memory pressure, RSS keeps them
};

// One stack. A plain value: the pool owns the mapping while the stack is idle, the fiber while
// it is in use.
struct FiberStack {
  char* map = nullptr;   // start of the mapping: the guard region, then the usable stack
  size_t map_size = 0;   // kFiberStackGuardSize + size()

  // Usable range [low(), high()); a fiber's stack pointer starts at high() and grows down.
  uintptr_t low() const { return reinterpret_cast<uintptr_t>(map) + kFiberStackGuardSize; }
  uintptr_t high() const { return reinterpret_cast<uintptr_t>(map) + map_size; }
  size_t size() const { return map_size - kFiberStackGuardSize; }
  bool valid() const { return map != nullptr; }
};

// Rounds a configured stack size up to whole pages.
size_t FiberStackRoundSize(size_t stack_size);

// Gives the pages of `stack` below `keep_from` back to the kernel (MADV_DONTNEED); the range
// reads as zeros afterwards. For a stack parked with its frames above `keep_from`.
void FiberStackDropBelow(const FiberStack& stack, uintptr_t keep_from);

class FiberStackPool {
 public:
  // `keep_idle`: how many idle stacks survive decay (trimmed to their warm top); any more are
  // unmapped once they have aged.
  explicit FiberStackPool(size_t keep_idle, FiberStackTrim trim = FiberStackTrim::kDontNeed);
  ~FiberStackPool();
  FiberStackPool(const FiberStackPool&) = delete;
  FiberStackPool& operator=(const FiberStackPool&) = delete;

  // A stack of FiberStackRoundSize(stack_size) usable bytes: the most recently released idle one
  // of that size, or a new mapping. `stack_size` must lie in [kFiberStackMinSize,
  // kFiberStackMaxSize] (EINVAL otherwise). Returns false with the OS error in *error_out when no
  // stack can be had (ENOMEM: out of address space, memory or mappings; the engine reports it as
  // it reports a refused OS thread, EngineStatus::kThreadLimit); nothing is left mapped.
  bool Acquire(size_t stack_size, FiberStack* out, int* error_out);

  // Takes back a stack no fiber runs on any more (after the final switch away from it): idle,
  // as it is, until reused or aged by Decay. Never allocates and never makes a system call: it
  // runs on a fiber's way out, often thousands of times in a row when a crowd of green threads
  // ends, where a madvise or munmap each (tens of microseconds on a virtual machine) would cost
  // more than everything else together.
  void Release(FiberStack stack);

  // One step of the idle stacks' decay, run periodically while it reports work left (the
  // engine's DecayIdle). Stacks idle since the previous step have aged: beyond `keep_idle` the
  // oldest aged ones are unmapped, the aged ones kept are trimmed per the policy. At most
  // `budget` stacks are unmapped or trimmed in one step. Returns how many it touched; *pending
  // is set to whether any idle stack still awaits trimming or unmapping.
  size_t Decay(size_t budget, bool* pending);

  // Unmaps every idle stack (environment teardown, or memory pressure).
  void Drain();

  size_t idle_count() const { return idle_.size(); }
  size_t untrimmed_idle_count() const { return untrimmed_; }  // idle and not yet trimmed
  size_t live_count() const { return live_; }        // acquired and not released
  size_t mapped_count() const { return mapped_; }    // mappings that exist (live + idle)
  size_t reused_count() const { return reused_; }    // Acquires served from the pool
  FiberStackTrim trim() const { return trim_; }

  // How this process's guard regions are made (kUnknown until the first mapping).
  static FiberGuardKind guard_kind();
  // Makes every later guard a PROT_NONE mapping, as on kernels before 6.13: lets tests exercise
  // that path (and its vm.max_map_count limit) on any kernel.
  static void ForceProtNoneGuards();

 private:
  struct IdleStack {
    FiberStack stack;
    uint32_t released_at;  // the decay epoch it went idle in
    bool trimmed;          // its pages below the warm top have been given back since its last use
  };

  void Unmap(FiberStack stack);
  void TrimBelowWarmTop(IdleStack* idle);

  size_t keep_idle_;
  FiberStackTrim trim_;
  // LIFO: the most recently released stack has the warmest pages and TLB entries; the oldest
  // sit at the front, in the order they went idle, so the aged ones are a prefix. Its capacity
  // always covers every mapping (Acquire reserves it), so Release never allocates.
  std::vector<IdleStack> idle_;
  uint32_t epoch_ = 0;   // Decay steps taken
  size_t untrimmed_ = 0;  // idle stacks not trimmed since their last use
  size_t live_ = 0;
  size_t mapped_ = 0;
  size_t reused_ = 0;
};

}  // namespace greenthread
