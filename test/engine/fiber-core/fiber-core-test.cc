// Standalone test of the fiber backend's V8-independent core: native/engine/fiber-stack.* and
// fiber-switch.*. Built and run by test/engine/fiber-core.test.ts with the system compiler.
// Prints one line per check ("ok <name>" or "FAIL <name>: why") and per measurement
// ("figure <name> <value> <unit>"); exits 1 if any check failed. Crashes it must provoke (guard
// page, out of memory, an entry that returns) happen in forked children only.
//
//   fiber-core-test               every check and measurement
//   fiber-core-test entry-returns a fiber whose entry returns (run against a GREENTHREAD_DEBUG
//                                 build: must abort with the invariant message)
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "engine/fiber-stack.h"
#include "engine/fiber-switch.h"

using namespace greenthread;

namespace {

int g_failures = 0;

void Check(bool ok, const char* name, const char* why) {
  if (ok) {
    std::printf("ok %s\n", name);
  } else {
    std::printf("FAIL %s: %s\n", name, why);
    ++g_failures;
  }
  std::fflush(stdout);
}

void Figure(const char* name, double value, const char* unit) {
  std::printf("figure %s %.1f %s\n", name, value, unit);
  std::fflush(stdout);
}

double NowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

// Resident bytes of this process (statm's second field, in pages).
size_t RssBytes() {
  FILE* f = std::fopen("/proc/self/statm", "r");
  size_t total = 0, resident = 0;
  if (f == nullptr || std::fscanf(f, "%zu %zu", &total, &resident) != 2) resident = 0;
  if (f) std::fclose(f);
  return resident * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

// A "Key:   123 kB" line of /proc/self/status, in bytes.
size_t StatusKb(const char* key) {
  FILE* f = std::fopen("/proc/self/status", "r");
  if (f == nullptr) return 0;
  char line[256];
  size_t kb = 0;
  const size_t len = std::strlen(key);
  while (std::fgets(line, sizeof line, f) != nullptr) {
    if (std::strncmp(line, key, len) == 0 && line[len] == ':') {
      kb = std::strtoull(line + len + 1, nullptr, 10);
      break;
    }
  }
  std::fclose(f);
  return kb * 1024;
}

size_t MapCount() {
  FILE* f = std::fopen("/proc/self/maps", "r");
  if (f == nullptr) return 0;
  size_t n = 0;
  for (int c; (c = std::fgetc(f)) != EOF;) n += c == '\n';
  std::fclose(f);
  return n;
}

uintptr_t StackPointer() {
  uintptr_t sp;
  asm volatile("movq %%rsp, %0" : "=r"(sp));
  return sp;
}

uint32_t ReadMxcsr() {
  uint32_t v;
  asm volatile("stmxcsr %0" : "=m"(v));
  return v;
}
void WriteMxcsr(uint32_t v) { asm volatile("ldmxcsr %0" : : "m"(v)); }
uint16_t ReadFpuCw() {
  uint16_t v;
  asm volatile("fnstcw %0" : "=m"(v));
  return v;
}
void WriteFpuCw(uint16_t v) { asm volatile("fldcw %0" : : "m"(v)); }

// A fiber of the tests: a stack from the pool and its context.
struct TestFiber {
  FiberStack stack;
  FiberContext ctx;
};

FiberContext g_main;  // the test's own (OS thread) stack while a fiber runs

// Acquires a stack and prepares a fiber on it; aborts the test program if it cannot (the checks
// on failures are separate).
void Start(FiberStackPool* pool, TestFiber* f, size_t size, FiberEntry entry, void* arg,
           FiberContext* return_to = &g_main) {
  int error = 0;
  if (!pool->Acquire(size, &f->stack, &error)) {
    std::printf("FAIL setup: Acquire: %s\n", std::strerror(error));
    std::exit(1);
  }
  if (!FiberContextInit(&f->ctx, f->stack.low(), f->stack.high(), entry, arg, return_to)) {
    std::printf("FAIL setup: FiberContextInit refused\n");
    std::exit(1);
  }
}

// ---- ping-pong: main and n fibers in a ring, a counter passed along with every switch ----

constexpr uintptr_t kStop = ~uintptr_t{0};

struct Ring {
  int n = 0;
  TestFiber fibers[10];
  int errors = 0;
  long switches = 0;
};
Ring g_ring;

void RingEntry(void* arg, void* value) {
  const int index = static_cast<int>(reinterpret_cast<intptr_t>(arg));
  uintptr_t v = reinterpret_cast<uintptr_t>(value);
  // Live across every switch, so the compiler keeps some of them in callee-saved registers: a
  // lost register shows up as a wrong sum.
  uint64_t a = index * 3 + 1, b = index * 5 + 2, c = index * 7 + 3, d = index * 11 + 4, e = index * 13 + 5;
  for (;;) {
    if (v == kStop) return;  // back to g_main through the trampoline (release build)
    // Fiber i of n receives round * (n + 1) + i (main sends round * (n + 1)).
    if (v % (g_ring.n + 1) != static_cast<uintptr_t>(index)) ++g_ring.errors;
    a += v; b ^= v; c += a; d += b; e += c;
    FiberContext* next = index + 1 < g_ring.n ? &g_ring.fibers[index + 1].ctx : &g_main;
    ++g_ring.switches;
    v = reinterpret_cast<uintptr_t>(FiberSwitch(&g_ring.fibers[index].ctx, next, reinterpret_cast<void*>(v + 1)));
    if (((a - c) ^ (b - d) ^ e) == 0x5a5a5a5a5a5aULL) ++g_ring.errors;  // keeps a..e alive
  }
}

void TestPingPong(FiberStackPool* pool) {
  bool all_ok = true;
  for (int n = 2; n <= 10; ++n) {
    g_ring = Ring();
    g_ring.n = n;
    for (int i = 0; i < n; ++i) {
      Start(pool, &g_ring.fibers[i], 256 * 1024, RingEntry, reinterpret_cast<void*>(static_cast<intptr_t>(i)));
    }
    const int rounds = 1000;
    for (int round = 0; round < rounds; ++round) {
      const uintptr_t sent = static_cast<uintptr_t>(round) * (n + 1);
      void* back = FiberSwitch(&g_main, &g_ring.fibers[0].ctx, reinterpret_cast<void*>(sent));
      if (reinterpret_cast<uintptr_t>(back) != sent + n) ++g_ring.errors;
    }
    // Each fiber's entry returns on kStop: the trampoline switches to g_main with its context.
    for (int i = 0; i < n; ++i) {
      void* finished = FiberSwitch(&g_main, &g_ring.fibers[i].ctx, reinterpret_cast<void*>(kStop));
      if (finished != &g_ring.fibers[i].ctx) ++g_ring.errors;
      pool->Release(g_ring.fibers[i].stack);
    }
    if (g_ring.errors != 0 || g_ring.switches != static_cast<long>(rounds) * n) all_ok = false;
  }
  Check(all_ok, "ping-pong: main and 2..10 fibers in a ring pass values, finished fibers return to main",
        "a value, a register or a return went astray");
}

// ---- deep recursion: a fiber uses (nearly) all of its stack, then unwinds intact ----

struct Deep {
  uintptr_t low = 0;
  uintptr_t lowest_sp = ~uintptr_t{0};
  long depth = 0;
  long bad_frames = 0;
  bool stop = false;  // for the guard test: never stop
};
Deep g_deep;

__attribute__((noinline)) long Recurse(long level, size_t margin) {
  volatile unsigned char frame[480];
  for (size_t i = 0; i < sizeof frame; ++i) frame[i] = static_cast<unsigned char>(level + i);
  const uintptr_t sp = StackPointer();
  if (sp < g_deep.lowest_sp) g_deep.lowest_sp = sp;
  long deeper = level;
  if (margin == 0 || sp - g_deep.low > margin) deeper = Recurse(level + 1, margin);
  for (size_t i = 0; i < sizeof frame; ++i) {
    if (frame[i] != static_cast<unsigned char>(level + i)) {
      ++g_deep.bad_frames;
      break;
    }
  }
  return deeper;
}

void DeepEntry(void* arg, void*) {
  g_deep.depth = Recurse(1, reinterpret_cast<size_t>(arg));
}

void TestDeepRecursion(FiberStackPool* pool) {
  for (size_t size : {kFiberStackMinSize, size_t{1024 * 1024}}) {
    TestFiber f;
    g_deep = Deep();
    Start(pool, &f, size, DeepEntry, reinterpret_cast<void*>(size_t{4096}));
    g_deep.low = f.stack.low();
    FiberSwitch(&g_main, &f.ctx, nullptr);
    pool->Release(f.stack);
    const double used = static_cast<double>(f.stack.high() - g_deep.lowest_sp) / static_cast<double>(f.stack.size());
    char name[128];
    std::snprintf(name, sizeof name, "deep recursion: %zu KiB stack used to within 4 KiB of its end, frames intact",
                  size / 1024);
    Check(g_deep.bad_frames == 0 && g_deep.lowest_sp >= f.stack.low() && g_deep.lowest_sp - f.stack.low() <= 4096 + 1024 &&
              used > 0.98,
          name, "frames corrupted or the stack was not usable to its end");
    std::snprintf(name, sizeof name, "deep_recursion_%zuk_depth", size / 1024);
    Figure(name, static_cast<double>(g_deep.depth), "frames");
  }
}

// ---- guard page: running off the end of a fiber's stack faults in the guard (child only) ----

uintptr_t g_guard_lo = 0, g_guard_hi = 0;

void OnSegv(int, siginfo_t* info, void*) {
  const uintptr_t addr = reinterpret_cast<uintptr_t>(info->si_addr);
  // 42: the fault is in the guard region, as it must be. 43: elsewhere.
  _exit(addr >= g_guard_lo && addr < g_guard_hi ? 42 : 43);
}

enum class GuardCase { kDefault, kProtNone, kMlocked };

void TestGuardPage(FiberStackPool* pool, GuardCase which) {
  const bool prot_none = which != GuardCase::kDefault;
  std::fflush(stdout);
  const pid_t pid = fork();
  if (pid == 0) {
    if (which == GuardCase::kProtNone) FiberStackPool::ForceProtNoneGuards();
    // Locked mappings refuse guard markers (EINVAL): the pool must fall back for the stack.
    if (which == GuardCase::kMlocked && mlockall(MCL_CURRENT | MCL_FUTURE) != 0) _exit(44);
    // The handler runs on an alternate stack: the fiber's own is exhausted.
    static char alt[64 * 1024];
    stack_t ss{};
    ss.ss_sp = alt;
    ss.ss_size = sizeof alt;
    sigaltstack(&ss, nullptr);
    struct sigaction sa{};
    sa.sa_sigaction = OnSegv;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigaction(SIGSEGV, &sa, nullptr);
    FiberStackPool fresh(1);  // a new mapping, so its guard is made the way this case says
    TestFiber f;
    g_deep = Deep();
    Start(&fresh, &f, kFiberStackMinSize, DeepEntry, nullptr);  // margin 0: no bottom
    g_deep.low = f.stack.low();
    g_guard_lo = reinterpret_cast<uintptr_t>(f.stack.map);
    g_guard_hi = f.stack.low();
    FiberSwitch(&g_main, &f.ctx, nullptr);
    _exit(0);  // the recursion came back: no guard
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (which == GuardCase::kMlocked && WIFEXITED(status) && WEXITSTATUS(status) == 44) {
    std::printf("skip guard page under mlockall: mlockall refused here\n");
    return;
  }
  Check(WIFEXITED(status) && WEXITSTATUS(status) == 42,
        which == GuardCase::kProtNone ? "guard page (PROT_NONE guards): unbounded recursion on a fiber faults inside the guard region"
        : which == GuardCase::kMlocked ? "guard page (mlockall: markers refused, PROT_NONE for that stack): the fault is in the guard"
                                        : "guard page: unbounded recursion on a fiber faults (SIGSEGV) inside the guard region, in a child",
        WIFEXITED(status) && WEXITSTATUS(status) == 43 ? "faulted outside the guard region" : "no fault in the guard");
  // And without a handler the child dies of SIGSEGV (what a real overflow does).
  if (prot_none) return;
  const pid_t pid2 = fork();
  if (pid2 == 0) {
    TestFiber f;
    g_deep = Deep();
    Start(pool, &f, kFiberStackMinSize, DeepEntry, nullptr);
    g_deep.low = f.stack.low();
    FiberSwitch(&g_main, &f.ctx, nullptr);
    _exit(0);
  }
  waitpid(pid2, &status, 0);
  Check(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV, "guard page: a child overflowing a fiber stack dies of SIGSEGV",
        "the child did not die of SIGSEGV");
}

// ---- the pool: LIFO reuse, cap, size change, bad sizes ----

void TestPool() {
  FiberStackPool pool(4);
  int error = 0;
  FiberStack s[10];
  for (int i = 0; i < 3; ++i) pool.Acquire(kFiberStackMinSize, &s[i], &error);
  const bool mapped3 = pool.mapped_count() == 3 && pool.live_count() == 3;
  for (int i = 0; i < 3; ++i) pool.Release(s[i]);
  FiberStack again;
  pool.Acquire(kFiberStackMinSize, &again, &error);
  Check(mapped3 && again.map == s[2].map && pool.reused_count() == 1 && pool.mapped_count() == 3,
        "pool: the most recently released stack is handed out first", "not LIFO");
  pool.Release(again);

  for (int i = 0; i < 10; ++i) pool.Acquire(kFiberStackMinSize, &s[i], &error);
  const bool reused3 = pool.reused_count() == 4 && pool.mapped_count() == 10;
  for (int i = 0; i < 10; ++i) pool.Release(s[i]);
  const bool kept_on_release = pool.idle_count() == 10 && pool.untrimmed_idle_count() == 10 && pool.mapped_count() == 10;
  Check(reused3 && kept_on_release, "pool: released stacks stay idle as they are until they age", "trimmed or unmapped on release");
  bool pending = false;
  // The first step only starts their age; the second finds them aged: the oldest beyond the
  // four kept are unmapped, the four kept trimmed.
  const size_t first = pool.Decay(100, &pending);
  const bool young = first == 0 && pending && pool.idle_count() == 10;
  const size_t second = pool.Decay(100, &pending);
  Check(young && second == 10 && !pending && pool.idle_count() == 4 && pool.mapped_count() == 4 &&
            pool.untrimmed_idle_count() == 0 && pool.live_count() == 0,
        "pool: aged idle stacks beyond the kept number unmapped, the kept ones trimmed", "decay wrong");
  // The newest kept stack is still the one handed out first.
  FiberStack newest;
  pool.Acquire(kFiberStackMinSize, &newest, &error);
  Check(newest.map == s[9].map, "pool: decay keeps the most recently released stacks", "kept the wrong ones");
  pool.Release(newest);
  // A budget bounds each step; what is left waits for the next.
  for (int i = 0; i < 10; ++i) pool.Acquire(kFiberStackMinSize, &s[i], &error);
  for (int i = 0; i < 10; ++i) pool.Release(s[i]);
  pool.Decay(100, &pending);
  const size_t capped = pool.Decay(3, &pending);
  const bool left = pending && pool.idle_count() == 7;
  pool.Decay(100, &pending);
  Check(capped == 3 && left && !pending && pool.idle_count() == 4,
        "pool: a decay step does at most its budget, the next one the rest", "budget not kept");

  FiberStack big;
  const bool got_big = pool.Acquire(2 * 1024 * 1024, &big, &error);
  Check(got_big && big.size() == 2 * 1024 * 1024 && pool.idle_count() == 0 && pool.mapped_count() == 1,
        "pool: a new stack size retires idle stacks of the old size", "old-size stacks kept");
  pool.Release(big);

  FiberStack odd;
  pool.Acquire(kFiberStackMinSize + 1, &odd, &error);
  Check(odd.size() == kFiberStackMinSize + static_cast<size_t>(sysconf(_SC_PAGESIZE)) &&
            odd.low() - reinterpret_cast<uintptr_t>(odd.map) == kFiberStackGuardSize && odd.high() % 4096 == 0,
        "pool: sizes rounded up to whole pages, guard below the usable range", "bad geometry");
  pool.Release(odd);

  FiberStack none;
  error = 0;
  const bool small = pool.Acquire(kFiberStackMinSize - 1, &none, &error);
  const int small_error = error;
  error = 0;
  const bool large = pool.Acquire(kFiberStackMaxSize + 1, &none, &error);
  Check(!small && small_error == EINVAL && !large && error == EINVAL,
        "pool: sizes outside configure()'s range refused with EINVAL", "accepted");

  pool.Drain();
  Check(pool.idle_count() == 0 && pool.mapped_count() == 0, "pool: Drain unmaps every idle stack", "left mappings");
}

// ---- a fiber lifecycle on pooled stacks: many short fibers, few mappings ----

void ShortEntry(void* arg, void* value) {
  *static_cast<uintptr_t*>(arg) += reinterpret_cast<uintptr_t>(value);
}

void TestLifecycles(FiberStackPool* pool) {
  const size_t mapped_before = pool->mapped_count();
  uintptr_t sum = 0;
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    TestFiber f;
    Start(pool, &f, 1024 * 1024, ShortEntry, &sum);
    void* finished = FiberSwitch(&g_main, &f.ctx, reinterpret_cast<void*>(uintptr_t{1}));
    if (finished != &f.ctx) sum += 1000000;
    pool->Release(f.stack);
  }
  Check(sum == static_cast<uintptr_t>(n) && pool->mapped_count() <= mapped_before + 1,
        "lifecycle: 20,000 fibers run to the end on one reused stack", "values lost or stacks not reused");
}

// ---- touched pages: 10,000 parked fibers cost what they touched ----

void TouchEntry(void* arg, void*) {
  // About 6 KiB of frame touched below the entry: two or three pages with the entry frames.
  volatile char buf[6 * 1024];
  for (size_t i = 0; i < sizeof buf; i += 512) buf[i] = 1;
  FiberContext* self = static_cast<FiberContext*>(arg);
  FiberSwitch(self, &g_main, nullptr);  // park
  buf[0] = 2;
}

void TestTouchedPages() {
  FiberStackPool pool(64);
  const int n = 10000;
  std::vector<TestFiber> fibers(n);  // allocated (and touched) before the baseline
  std::memset(static_cast<void*>(fibers.data()), 0, sizeof(TestFiber) * n);
  const size_t rss0 = RssBytes(), pte0 = StatusKb("VmPTE"), maps0 = MapCount();
  for (int i = 0; i < n; ++i) {
    Start(&pool, &fibers[i], 1024 * 1024, TouchEntry, &fibers[i].ctx);
    FiberSwitch(&g_main, &fibers[i].ctx, nullptr);
  }
  const size_t rss1 = RssBytes(), pte1 = StatusKb("VmPTE"), maps1 = MapCount();
  const double per_fiber = static_cast<double>(rss1 - rss0) / n;
  Figure("parked_fiber_rss", per_fiber / 1024, "KiB per fiber (1 MiB stacks, ~6 KiB touched)");
  Figure("parked_fiber_page_tables", static_cast<double>(pte1 - pte0) / n / 1024, "KiB per fiber (VmPTE, not in RSS)");
  Figure("parked_fiber_mappings", static_cast<double>(maps1 - maps0), "new lines in /proc/self/maps for 10,000 stacks");
  Check(per_fiber <= 12 * 1024 && per_fiber >= 4 * 1024,
        "touched pages: 10,000 parked fibers on 1 MiB stacks cost their touched pages only", "RSS per fiber out of range");
  // Finish them all; once aged, the pool keeps 64, the rest is unmapped and RSS falls back.
  for (int i = 0; i < n; ++i) {
    FiberSwitch(&g_main, &fibers[i].ctx, nullptr);
    pool.Release(fibers[i].stack);
  }
  bool pending = false;
  pool.Decay(n, &pending);
  pool.Decay(n, &pending);
  const size_t rss2 = RssBytes();
  Figure("rss_after_finish", static_cast<double>(rss2 > rss0 ? rss2 - rss0 : 0) / 1024, "KiB above baseline (64 pooled)");
  Check(pool.mapped_count() == 64 && rss2 < rss0 + 64 * 64 * 1024,
        "touched pages: finished fibers' stacks are unmapped beyond the pool's cap", "memory kept");
  if (FiberStackPool::guard_kind() == FiberGuardKind::kGuardMarkers) {
    Check(maps1 - maps0 < 100, "guard markers: 10,000 stacks add few mappings (vm.max_map_count is not the limit)",
          "one mapping or more per stack");
  }
}

// ---- the trim policy of released stacks, measured ----

void TestTrimPolicy() {
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  struct Policy {
    FiberStackTrim trim;
    const char* name;
  } policies[] = {{FiberStackTrim::kKeep, "keep"}, {FiberStackTrim::kDontNeed, "dontneed"}, {FiberStackTrim::kFree, "free"}};
  for (const Policy& p : policies) {
    FiberStackPool pool(64, p.trim);
    int error = 0;
    // Cost per stack of acquire + touching 16 KiB at the top (a typical fiber) + release, with
    // `width` stacks in use at once (release never trims: both reuse untouched pages).
    for (int width : {1, 8}) {
      const int n = 100000 / width;
      std::vector<FiberStack> batch(width);
      const double t0 = NowNs();
      for (int i = 0; i < n; ++i) {
        for (FiberStack& s : batch) {
          pool.Acquire(1024 * 1024, &s, &error);
          for (size_t off = page; off <= 16 * 1024; off += page) {
            reinterpret_cast<volatile char*>(s.high())[-static_cast<ptrdiff_t>(off)] = 1;
          }
        }
        for (FiberStack& s : batch) pool.Release(s);
      }
      const double per = (NowNs() - t0) / (static_cast<double>(n) * width);
      char name[96];
      std::snprintf(name, sizeof name, "trim_%s_cycle_of_%d", p.name, width);
      Figure(name, per, "ns per stack (acquire + touch 16 KiB + release)");
    }
    // What 64 pooled stacks cost after each was touched to its end once (a deep recursion).
    std::vector<FiberStack> deep(64);
    const size_t rss0 = RssBytes();
    for (FiberStack& d : deep) {
      pool.Acquire(1024 * 1024, &d, &error);
      for (uintptr_t a = d.low(); a < d.high(); a += page) *reinterpret_cast<volatile char*>(a) = 1;
    }
    for (FiberStack& d : deep) pool.Release(d);
    bool pending = false;
    pool.Decay(64, &pending);  // starts their age
    pool.Decay(64, &pending);  // aged: trimmed per the policy
    const size_t rss1 = RssBytes();
    char name[96];
    std::snprintf(name, sizeof name, "trim_%s_pooled_after_deep", p.name);
    Figure(name, static_cast<double>(rss1 > rss0 ? rss1 - rss0 : 0) / 1024 / 64, "KiB RSS per pooled stack once fully touched");
    if (p.trim == FiberStackTrim::kDontNeed) {
      Check(rss1 < rss0 + 64 * (kFiberStackWarmSize + 2 * page),
            "trim (default): aged pooled stacks keep only their warm top resident", "deep pages kept");
    }
  }
}

// ---- FP control state belongs to each stack ----

struct FpState {
  uint32_t mxcsr;
  uint16_t fpucw;
};
FpState g_fp_seen_at_start, g_fp_seen_after;
FiberContext g_fp_ctx;

void FpEntry(void*, void*) {
  g_fp_seen_at_start = {ReadMxcsr(), ReadFpuCw()};
  // The fiber sets its own: round up (MXCSR RC = 10, x87 RC = 10), flush-to-zero.
  WriteMxcsr((ReadMxcsr() & ~0x6000u) | 0x4000u | 0x8000u);
  WriteFpuCw(static_cast<uint16_t>((ReadFpuCw() & ~0x0C00u) | 0x0800u));
  const FpState mine = {ReadMxcsr(), ReadFpuCw()};
  FiberSwitch(&g_fp_ctx, &g_main, nullptr);
  g_fp_seen_after = {ReadMxcsr(), ReadFpuCw()};
  const bool same = g_fp_seen_after.mxcsr == mine.mxcsr && g_fp_seen_after.fpucw == mine.fpucw;
  FiberSwitch(&g_fp_ctx, &g_main, reinterpret_cast<void*>(static_cast<uintptr_t>(same)));
}

void TestFpControl(FiberStackPool* pool) {
  const FpState original = {ReadMxcsr(), ReadFpuCw()};
  // The creator's state at FiberContextInit is the fiber's initial state: round toward zero.
  WriteMxcsr((original.mxcsr & ~0x6000u) | 0x6000u);
  WriteFpuCw(static_cast<uint16_t>((original.fpucw & ~0x0C00u) | 0x0C00u));
  const FpState main_state = {ReadMxcsr(), ReadFpuCw()};
  TestFiber f;
  Start(pool, &f, kFiberStackMinSize, FpEntry, nullptr);
  g_fp_ctx = f.ctx;
  // Main changes its own afterwards (round down): the fiber must still start with round-to-zero.
  WriteMxcsr((original.mxcsr & ~0x6000u) | 0x2000u);
  WriteFpuCw(static_cast<uint16_t>((original.fpucw & ~0x0C00u) | 0x0400u));
  const FpState main_later = {ReadMxcsr(), ReadFpuCw()};
  FiberSwitch(&g_main, &g_fp_ctx, nullptr);
  const FpState main_after_first = {ReadMxcsr(), ReadFpuCw()};
  void* same = FiberSwitch(&g_main, &g_fp_ctx, nullptr);
  const FpState main_after_second = {ReadMxcsr(), ReadFpuCw()};
  WriteMxcsr(original.mxcsr);
  WriteFpuCw(original.fpucw);
  pool->Release(f.stack);
  Check(g_fp_seen_at_start.mxcsr == main_state.mxcsr && g_fp_seen_at_start.fpucw == main_state.fpucw,
        "FP control: a new fiber starts with its creator's MXCSR and x87 control word", "initial state wrong");
  Check(main_after_first.mxcsr == main_later.mxcsr && main_after_first.fpucw == main_later.fpucw &&
            main_after_second.mxcsr == main_later.mxcsr && main_after_second.fpucw == main_later.fpucw &&
            same == reinterpret_cast<void*>(uintptr_t{1}),
        "FP control: each stack keeps its own MXCSR and x87 control word across switches", "state leaked across a switch");
}

// ---- micro-benchmark: the bare switch round trip ----

FiberContext g_bench_ctx;
void BenchEntry(void*, void*) {
  for (;;) FiberSwitch(&g_bench_ctx, &g_main, nullptr);
}

void BenchSwitch(FiberStackPool* pool) {
  TestFiber f;
  Start(pool, &f, kFiberStackMinSize, BenchEntry, nullptr);
  g_bench_ctx = f.ctx;
  const int n = 2000000;
  std::vector<double> rounds;
  for (int r = 0; r < 7; ++r) {
    const double t0 = NowNs();
    for (int i = 0; i < n; ++i) FiberSwitch(&g_main, &g_bench_ctx, nullptr);
    rounds.push_back((NowNs() - t0) / n);
  }
  std::sort(rounds.begin(), rounds.end());
  Figure("switch_round_trip", rounds[rounds.size() / 2], "ns (median of 7 x 2M, main -> fiber -> main)");
  // The fiber is left parked in its loop: its stack goes back to the pool unused again.
  pool->Release(f.stack);

  // A whole bare lifecycle: acquire + init + start + finish + release.
  uintptr_t sum = 0;
  const int m = 200000;
  const double t0 = NowNs();
  for (int i = 0; i < m; ++i) {
    TestFiber g;
    Start(pool, &g, 1024 * 1024, ShortEntry, &sum);
    FiberSwitch(&g_main, &g.ctx, reinterpret_cast<void*>(uintptr_t{1}));
    pool->Release(g.stack);
  }
  Figure("bare_lifecycle", (NowNs() - t0) / m, "ns (acquire + init + start + finish + release, pooled stack)");
}

// ---- failures: out of address space is a status, not an abort (child) ----

void TestOutOfMemory() {
  std::fflush(stdout);
  const pid_t pid = fork();
  if (pid == 0) {
    // Cap the address space just above what is mapped now: a 1 GiB stack cannot fit.
    size_t pages = 0, dummy = 0;
    FILE* f = std::fopen("/proc/self/statm", "r");
    if (f == nullptr || std::fscanf(f, "%zu %zu", &pages, &dummy) != 2) _exit(3);
    std::fclose(f);
    rlimit lim{};
    lim.rlim_cur = lim.rlim_max = pages * sysconf(_SC_PAGESIZE) + 64 * 1024 * 1024;
    if (setrlimit(RLIMIT_AS, &lim) != 0) _exit(4);
    FiberStackPool pool(4);
    FiberStack s;
    int error = 0;
    const bool got = pool.Acquire(kFiberStackMaxSize, &s, &error);
    _exit(!got && error == ENOMEM && pool.mapped_count() == 0 && pool.live_count() == 0 ? 0 : 5);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  Check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "failure: mmap refused -> Acquire returns ENOMEM, nothing mapped",
        "aborted or wrong status");
}

// ---- 100,000 stacks at once (the target count) ----

void TestManyStacks(bool prot_none) {
  std::fflush(stdout);
  const pid_t pid = fork();
  if (pid == 0) {
    if (prot_none) FiberStackPool::ForceProtNoneGuards();
    FiberStackPool pool(0);
    std::vector<FiberStack> stacks(100000);
    int error = 0;
    size_t got = 0;
    for (; got < stacks.size(); ++got) {
      if (!pool.Acquire(1024 * 1024, &stacks[got], &error)) break;
    }
    std::printf("figure stacks_mapped_at_once %zu stacks (guard %s%s%s)\n", got,
                FiberStackPool::guard_kind() == FiberGuardKind::kGuardMarkers ? "markers" : "PROT_NONE",
                got < stacks.size() ? ", stopped by " : "", got < stacks.size() ? std::strerror(error) : "");
    std::fflush(stdout);
    for (size_t i = 0; i < got; ++i) pool.Release(stacks[i]);
    bool pending = false;
    pool.Decay(got, &pending);  // starts their age
    pool.Decay(got, &pending);  // aged, and none kept: every one unmapped
    // With guard markers all 100,000 fit; with PROT_NONE guards vm.max_map_count stops them
    // early, and that must be a clean ENOMEM.
    const bool ok = got == stacks.size() || (FiberStackPool::guard_kind() == FiberGuardKind::kProtNone && error == ENOMEM);
    _exit(ok && pool.mapped_count() == 0 ? 0 : 1);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  Check(WIFEXITED(status) && WEXITSTATUS(status) == 0,
        prot_none ? "scale, PROT_NONE guards: mapping stacks until vm.max_map_count ends in a clean ENOMEM"
                  : "scale: 100,000 1 MiB stacks mapped at once (or a clean ENOMEM where guards cost a mapping each)",
        "failed");
}

// ---- an entry that returns (run against a GREENTHREAD_DEBUG build) ----

void ReturningEntry(void*, void*) {}

int EntryReturns() {
  FiberStackPool pool(4);
  TestFiber f;
  Start(&pool, &f, kFiberStackMinSize, ReturningEntry, nullptr);
  void* back = FiberSwitch(&g_main, &f.ctx, nullptr);
  std::printf("returned to main with %s\n", back == &f.ctx ? "the fiber's context" : "something else");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  setvbuf(stdout, nullptr, _IOLBF, 0);
  if (argc > 1 && std::strcmp(argv[1], "entry-returns") == 0) return EntryReturns();
  if (!kFiberSwitchAvailable) {
    std::printf("skip: no fiber switch on this architecture\n");
    return 0;
  }
  if (ShadowStackEnabled()) {
    std::printf("skip: shadow stacks (CET) are enabled for this process; the fiber switch must not run\n");
    return 0;
  }
  std::printf("ok shadow stacks off (ShadowStackEnabled() == false)\n");
  Check(StatusLineListsShadowStack("x86_Thread_features:\tshstk wrss\n") &&
            StatusLineListsShadowStack("x86_Thread_features:\twrss shstk\n") &&
            !StatusLineListsShadowStack("x86_Thread_features:\twrss\n") &&
            !StatusLineListsShadowStack("x86_Thread_features:\t\n") &&
            !StatusLineListsShadowStack("x86_Thread_features_locked:\tshstk\n") &&
            !StatusLineListsShadowStack("x86_Thread_features:\tshstkx\n"),
        "shadow stacks: the /proc status witness reads \"x86_Thread_features:\" and its shstk word only",
        "misread a status line");
  FiberStackPool pool(16);
  TestPingPong(&pool);
  TestDeepRecursion(&pool);
  TestGuardPage(&pool, GuardCase::kDefault);
  TestGuardPage(&pool, GuardCase::kProtNone);
  TestGuardPage(&pool, GuardCase::kMlocked);
  TestPool();
  TestLifecycles(&pool);
  TestFpControl(&pool);
  TestTouchedPages();
  TestTrimPolicy();
  TestOutOfMemory();
  TestManyStacks(false);
  TestManyStacks(true);
  BenchSwitch(&pool);
  std::printf("figure guard_kind %d (1 = MADV_GUARD_INSTALL markers, 2 = PROT_NONE mapping)\n",
              static_cast<int>(FiberStackPool::guard_kind()));
  std::printf(g_failures == 0 ? "all passed\n" : "%d FAILED\n", g_failures);
  return g_failures == 0 ? 0 : 1;
}
