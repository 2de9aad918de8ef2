// The fiber context switch (see fiber-switch.h): the assembly of the swap, the first entry of a
// new stack, and the shadow-stack probe.
//
// The assembly sits in this .cc as top-level asm rather than in a .S file: the compiler then emits
// the object's .note.GNU-stack itself (a .S without one would make the addon's stack executable),
// and node-gyp builds it like every other source.
#include "engine/fiber-switch.h"

#include <cstdio>
#include <cstring>

#include "engine/assert.h"

#if defined(__x86_64__) && defined(__linux__)
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace greenthread {
namespace {

// What the first switch into a new stack needs; written at the top of that stack, above the
// initial frame, and read once by gt_fiber_start.
struct StartRecord {
  FiberEntry entry;
  void* arg;
  FiberContext* self;
  FiberContext* return_to;
};

}  // namespace

// The line exists on Linux >= 6.6 built with user shadow stacks, and lists "shstk" while they
// are on for this thread ("x86_Thread_features_locked:" is another line: what may not change).
bool StatusLineListsShadowStack(const char* line) {
  static const char kKey[] = "x86_Thread_features:";
  if (std::strncmp(line, kKey, sizeof kKey - 1) != 0) return false;
  char words[256];
  std::snprintf(words, sizeof words, "%s", line + sizeof kKey - 1);
  char* rest = nullptr;
  for (char* word = strtok_r(words, " \t\n", &rest); word != nullptr; word = strtok_r(nullptr, " \t\n", &rest)) {
    if (std::strcmp(word, "shstk") == 0) return true;
  }
  return false;
}

}  // namespace greenthread

#if defined(__x86_64__) && defined(__linux__)

extern "C" {
// The C++ half of a new stack's first entry: gt_fiber_trampoline calls it with the start record
// and the value of the switch that started the fiber.
[[noreturn]] __attribute__((visibility("hidden"), used)) void gt_fiber_start(void* record, void* value);
void gt_fiber_trampoline();
}

// gt_fiber_switch(rdi = save_sp, rsi = target_sp, rdx = value) -> rax = value of the switch back.
// Only what the System V ABI says a callee preserves is saved: rbp, rbx, r12-r15 and the control
// bits of MXCSR and the x87 FPU (rounding, exception masks); every other register is already
// clobbered by the call. The 8-byte FP slot keeps the saved sp 16-byte aligned. The direction flag
// is clear at every call boundary by the ABI, so it needs no saving.
//
// gt_fiber_trampoline is where the initial frame's `ret` lands: r12 = start record, rax = the
// switch's value. rbp = 0 and the undefined return address end every unwinder's walk here, so
// debuggers and profilers see a fiber's stack begin at its entry function.
asm(R"(
  .pushsection .text
  .p2align 4
  .globl gt_fiber_switch
  .hidden gt_fiber_switch
  .type gt_fiber_switch,@function
gt_fiber_switch:
  pushq %rbp
  pushq %rbx
  pushq %r12
  pushq %r13
  pushq %r14
  pushq %r15
  subq $8, %rsp
  stmxcsr (%rsp)
  fnstcw 4(%rsp)
  movq %rsp, (%rdi)
  movq %rsi, %rsp
  ldmxcsr (%rsp)
  fldcw 4(%rsp)
  addq $8, %rsp
  popq %r15
  popq %r14
  popq %r13
  popq %r12
  popq %rbx
  popq %rbp
  movq %rdx, %rax
  ret
  .size gt_fiber_switch, .-gt_fiber_switch

  .p2align 4
  .globl gt_fiber_trampoline
  .hidden gt_fiber_trampoline
  .type gt_fiber_trampoline,@function
gt_fiber_trampoline:
  .cfi_startproc
  .cfi_undefined rip
  xorl %ebp, %ebp
  movq %r12, %rdi
  movq %rax, %rsi
  andq $-16, %rsp
  callq gt_fiber_start
  ud2
  .cfi_endproc
  .size gt_fiber_trampoline, .-gt_fiber_trampoline
  .popsection
)");

void gt_fiber_start(void* record, void* value) {
  // Copied into this frame: the way out below must not depend on the top of the stack staying
  // untouched for the fiber's whole life.
  const greenthread::StartRecord start = *static_cast<greenthread::StartRecord*>(record);
  start.entry(start.arg, value);
#ifdef GREENTHREAD_DEBUG
  // An entry that returns means the backend lost track of a fiber's last switch: in a debug build
  // stop right there rather than at some later, unrelated switch.
  std::fprintf(stderr, "greenthread: internal invariant broken: a fiber's entry function returned "
                       "(it must switch away for the last time instead)\n");
  std::abort();
#else
  // Release builds hand control back to the designated context, telling it which fiber ended.
  gt_fiber_switch(&start.self->sp, start.return_to->sp, start.self);
  GT_CHECK(false, "a finished fiber was switched into again");
  __builtin_unreachable();
#endif
}

namespace greenthread {

bool FiberContextInit(FiberContext* ctx, uintptr_t stack_low, uintptr_t stack_high, FiberEntry entry,
                      void* arg, FiberContext* return_to) {
  const uintptr_t top = stack_high & ~uintptr_t{15};
  if (entry == nullptr || return_to == nullptr || top <= stack_low || top - stack_low < kFiberInitialFrameSize) {
    return false;
  }
  // The start record takes the top 32 bytes (16-aligned); right below it the frame that
  // gt_fiber_switch pops: [FP control][r15][r14][r13][r12][rbx][rbp][return address]. Its `ret`
  // leaves rsp at the record, 16-aligned, so the trampoline's call enters gt_fiber_start with the
  // alignment the ABI promises.
  StartRecord* record = reinterpret_cast<StartRecord*>(top - sizeof(StartRecord));
  static_assert(sizeof(StartRecord) == 32, "the initial frame layout assumes a 32-byte record");
  *record = StartRecord{entry, arg, ctx, return_to};
  uint64_t* sp = reinterpret_cast<uint64_t*>(record);
  *--sp = reinterpret_cast<uint64_t>(&gt_fiber_trampoline);
  *--sp = 0;                                       // rbp
  *--sp = 0;                                       // rbx
  *--sp = reinterpret_cast<uint64_t>(record);      // r12
  *--sp = 0;                                       // r13
  *--sp = 0;                                       // r14
  *--sp = 0;                                       // r15
  uint32_t mxcsr = 0;
  uint16_t fpucw = 0;
  asm volatile("stmxcsr %0" : "=m"(mxcsr));
  asm volatile("fnstcw %0" : "=m"(fpucw));
  *--sp = static_cast<uint64_t>(mxcsr) | (static_cast<uint64_t>(fpucw) << 32);
  static_assert(kFiberInitialFrameSize >= sizeof(StartRecord) + 8 * 8, "initial frame fits its reservation");
  ctx->sp = sp;
  return true;
}

namespace {

// arch_prctl codes of the shadow-stack interface (Linux 6.6, asm/prctl.h); spelled out because
// older kernel headers (Debian 12's) lack them.
constexpr int kArchShstkStatus = 0x5005;
constexpr unsigned long kArchShstkShstk = 1UL << 0;

bool ProcStatusSaysShadowStack() {
  FILE* file = std::fopen("/proc/self/status", "re");
  if (file == nullptr) return false;
  char line[256];
  bool on = false;
  while (!on && std::fgets(line, sizeof line, file) != nullptr) on = StatusLineListsShadowStack(line);
  std::fclose(file);
  return on;
}

}  // namespace

bool ShadowStackEnabled() {
  unsigned long features = 0;
  if (syscall(SYS_arch_prctl, kArchShstkStatus, &features) == 0) return (features & kArchShstkShstk) != 0;
  // EINVAL: a kernel without the interface. It cannot have enabled shadow stacks, but the status
  // file is the documented second witness, and reading it costs nothing that matters at load.
  return ProcStatusSaysShadowStack();
}

}  // namespace greenthread

#else  // not x86-64 Linux: no switch; the engine keeps the thread backend.

namespace greenthread {

bool FiberContextInit(FiberContext*, uintptr_t, uintptr_t, FiberEntry, void*, FiberContext*) { return false; }

bool ShadowStackEnabled() { return false; }
bool StatusLineListsShadowStack(const char*) { return false; }

}  // namespace greenthread

extern "C" void* gt_fiber_switch(void**, void*, void*) {
  GT_CHECK(false, "fiber switch called on an architecture without one");
  return nullptr;
}

#endif
