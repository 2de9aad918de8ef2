// Fiber stacks and their pool (see fiber-stack.h).
#include "engine/fiber-stack.h"

#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>

#include "engine/assert.h"

namespace greenthread {
namespace {

// madvise advice of Linux 6.13 (uapi asm-generic/mman-common.h); older headers lack it.
constexpr int kMadvGuardInstall = 102;

size_t PageSize() {
  static const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  return page;
}

// Process-wide: every engine (main thread, Workers) runs on the same kernel.
std::atomic<FiberGuardKind> g_guard_kind{FiberGuardKind::kUnknown};

// Makes the guard region of a new mapping inaccessible. Returns 0 or the OS error.
int InstallGuard(char* map, size_t map_size) {
  const FiberGuardKind kind = g_guard_kind.load(std::memory_order_relaxed);
  if (kind != FiberGuardKind::kProtNone) {
    if (madvise(map, kFiberStackGuardSize, kMadvGuardInstall) == 0) {
      if (kind == FiberGuardKind::kUnknown) g_guard_kind.store(FiberGuardKind::kGuardMarkers, std::memory_order_relaxed);
      return 0;
    }
    // Anything but EINVAL (ENOMEM for the page tables) is a real failure. EINVAL is a kernel
    // without guard markers (then never try again), or a mapping they refuse (mlockall): that
    // one stack gets the PROT_NONE guard below.
    if (errno != EINVAL) return errno;
    if (kind == FiberGuardKind::kUnknown) g_guard_kind.store(FiberGuardKind::kProtNone, std::memory_order_relaxed);
  }
  if (mprotect(map, kFiberStackGuardSize, PROT_NONE) != 0) return errno;
  // Kernels before 6.7 ignore MAP_STACK for transparent huge pages: a stack of 2 MiB or more
  // could then be backed by a huge page on its first touch, 2 MiB of RSS for a few KiB used.
  // Best effort: if refused, the stack merely may cost more.
  madvise(map + kFiberStackGuardSize, map_size - kFiberStackGuardSize, MADV_NOHUGEPAGE);
  return 0;
}

}  // namespace

size_t FiberStackRoundSize(size_t stack_size) {
  const size_t page = PageSize();
  return (stack_size + page - 1) / page * page;
}

void FiberStackDropBelow(const FiberStack& stack, uintptr_t keep_from) {
  const uintptr_t page = PageSize();
  const uintptr_t end = keep_from / page * page;
  if (end <= stack.low() || end > stack.high()) return;
  // Cannot fail on a range we mapped; if it did, the pages would merely stay resident.
  madvise(reinterpret_cast<void*>(stack.low()), end - stack.low(), MADV_DONTNEED);
}

FiberGuardKind FiberStackPool::guard_kind() { return g_guard_kind.load(std::memory_order_relaxed); }

void FiberStackPool::ForceProtNoneGuards() { g_guard_kind.store(FiberGuardKind::kProtNone, std::memory_order_relaxed); }

FiberStackPool::FiberStackPool(size_t keep_idle, FiberStackTrim trim) : keep_idle_(keep_idle), trim_(trim) {}

FiberStackPool::~FiberStackPool() {
  // Stacks still live belong to fibers the engine tears down itself; only idle ones are ours.
  Drain();
}

bool FiberStackPool::Acquire(size_t stack_size, FiberStack* out, int* error_out) {
  if (stack_size < kFiberStackMinSize || stack_size > kFiberStackMaxSize) {
    *error_out = EINVAL;
    return false;
  }
  const size_t map_size = kFiberStackGuardSize + FiberStackRoundSize(stack_size);
  while (!idle_.empty()) {
    const FiberStack stack = idle_.back().stack;
    if (!idle_.back().trimmed) --untrimmed_;
    idle_.pop_back();
    if (stack.map_size == map_size) {
      ++reused_;
      ++live_;
      *out = stack;
      return true;
    }
    // Stack size changed through configure(): this one no longer fits.
    Unmap(stack);
  }
  // MAP_NORESERVE: no swap is reserved, so a million-byte stack of which a fiber touches 8 KiB
  // costs 8 KiB, and many of them do not exhaust the overcommit heuristics. MAP_STACK documents
  // the use (and keeps transparent huge pages off it on newer kernels).
  void* map = mmap(nullptr, map_size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
  if (map == MAP_FAILED) {
    *error_out = errno;
    return false;
  }
  FiberStack stack{static_cast<char*>(map), map_size};
  if (int error = InstallGuard(stack.map, stack.map_size)) {
    munmap(stack.map, stack.map_size);
    *error_out = error;
    return false;
  }
  // Room for every mapping to be idle at once, so that Release never allocates: it runs on a
  // fiber's way out, where failing is not an option. Grows geometrically, like the vector.
  if (idle_.capacity() < mapped_ + 1) idle_.reserve(2 * (mapped_ + 1));
  ++mapped_;
  ++live_;
  *out = stack;
  return true;
}

void FiberStackPool::Release(FiberStack stack) {
  GT_CHECK(stack.valid() && live_ > 0, "a fiber stack released that the pool did not hand out");
  GT_CHECK(idle_.size() < idle_.capacity(), "the idle list has room for every mapping");
  --live_;
  idle_.push_back(IdleStack{stack, epoch_, false});
  ++untrimmed_;
}

size_t FiberStackPool::Decay(size_t budget, bool* pending) {
  // Policy, measured by test/engine/fiber-core ("trim_*" and "decay" figures). A released stack
  // stays as it is for at least one whole decay period: a spawn burst, a server's next wave of
  // connections or a benchmark's next round takes it straight back with its pages (and TLB
  // entries) warm, where trimming on release cost a madvise per stack and a page fault per
  // page on reuse. A stack still idle one period later has aged: the pool keeps the newest
  // keep_idle_ of them with everything below their warm top given back (MADV_DONTNEED, so RSS
  // drops; MADV_FREE is no cheaper here and RSS keeps counting its pages until the kernel is
  // short of memory), and unmaps the rest, oldest first.
  size_t aged = 0;
  while (aged < idle_.size() && idle_[aged].released_at != epoch_) ++aged;
  ++epoch_;
  size_t done = 0;
  const size_t surplus = idle_.size() > keep_idle_ ? idle_.size() - keep_idle_ : 0;
  size_t unmap = surplus < aged ? surplus : aged;
  if (unmap > budget) unmap = budget;
  for (size_t i = 0; i < unmap; ++i) {
    if (!idle_[i].trimmed) --untrimmed_;
    Unmap(idle_[i].stack);
  }
  idle_.erase(idle_.begin(), idle_.begin() + static_cast<std::ptrdiff_t>(unmap));
  done += unmap;
  aged -= unmap;
  for (size_t i = 0; i < aged && done < budget; ++i) {
    if (idle_[i].trimmed) continue;
    TrimBelowWarmTop(&idle_[i]);
    ++done;
  }
  *pending = idle_.size() > keep_idle_ || (trim_ != FiberStackTrim::kKeep && untrimmed_ > 0);
  return done;
}

void FiberStackPool::TrimBelowWarmTop(IdleStack* idle) {
  if (idle->trimmed || trim_ == FiberStackTrim::kKeep) return;
  idle->trimmed = true;
  --untrimmed_;
  const size_t warm = idle->stack.size() < kFiberStackWarmSize ? idle->stack.size() : kFiberStackWarmSize;
  const size_t cold = idle->stack.size() - warm;
  if (cold == 0) return;
  // Cannot fail on a range we mapped; if it did, the pages would merely stay resident.
  madvise(reinterpret_cast<void*>(idle->stack.low()), cold, trim_ == FiberStackTrim::kFree ? MADV_FREE : MADV_DONTNEED);
}

void FiberStackPool::Drain() {
  for (const IdleStack& idle : idle_) Unmap(idle.stack);
  idle_.clear();
  untrimmed_ = 0;
}

void FiberStackPool::Unmap(FiberStack stack) {
  // munmap of a range we mapped cannot fail short of a bug; nothing useful to do if it did.
  munmap(stack.map, stack.map_size);
  --mapped_;
}

}  // namespace greenthread
