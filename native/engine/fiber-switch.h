// The machine-level context switch of the fiber backend: several native stacks on one OS thread,
// swapped by saving the callee-saved state on the running stack and loading another stack
// pointer (x86-64 System V only). Knows nothing of V8: the backend wraps every switch in its
// Unlocker/Locker and private-slot writes (fibers-feasibility.md §1). Elsewhere, and wherever
// shadow stacks are on, the switch is unavailable and the engine keeps the thread backend.
#pragma once

#include <cstddef>
#include <cstdint>

namespace greenthread {

// True where this file's switch is compiled in (x86-64 Linux). Elsewhere FiberContextInit
// refuses and FiberSwitch must not be called.
#if defined(__x86_64__) && defined(__linux__)
inline constexpr bool kFiberSwitchAvailable = true;
#else
inline constexpr bool kFiberSwitchAvailable = false;
#endif

// A stack that is not running: `sp` points at the state FiberSwitch saved on it (or at the
// initial frame FiberContextInit built). Meaningless while its stack runs.
struct FiberContext {
  void* sp = nullptr;
};

// The function a new fiber runs: `arg` as given to FiberContextInit, `value` as given to the
// FiberSwitch that started it. It must not return (the fiber's owner switches away from it for
// the last time); if it does anyway, see FiberContextInit.
using FiberEntry = void (*)(void* arg, void* value);

// Bytes FiberContextInit uses at the top of the stack (initial frame + start record).
inline constexpr size_t kFiberInitialFrameSize = 128;

// Prepares `ctx` so that the first FiberSwitch into it runs entry(arg, value) on the stack
// [stack_low, stack_high). The FP control state (MXCSR, x87 control word) it starts with is the
// caller's at this call. If `entry` returns: a build with GREENTHREAD_DEBUG aborts naming the bug;
// otherwise the fiber switches to `*return_to` (its sp at that moment), which receives `ctx` as
// the switch's value, and the fiber must never be switched into again.
// Returns false (nothing written) when the switch is unavailable or the stack cannot hold the
// initial frame.
bool FiberContextInit(FiberContext* ctx, uintptr_t stack_low, uintptr_t stack_high, FiberEntry entry,
                      void* arg, FiberContext* return_to);

// Whether the kernel has shadow stacks (CET SHSTK) enabled for this thread. A `ret` onto a
// swapped stack would then fault (control-protection error), so the backend must not switch.
bool ShadowStackEnabled();

// Whether a /proc/<pid>/status line is "x86_Thread_features:" listing "shstk": ShadowStackEnabled's
// second witness, where arch_prctl(ARCH_SHSTK_STATUS) is unknown. Exposed for its test.
bool StatusLineListsShadowStack(const char* line);

}  // namespace greenthread

// The switch itself (assembly in fiber-switch.cc). Saves rbp, rbx, r12–r15, MXCSR and the x87
// control word on the running stack, stores the stack pointer in *save_sp, loads `target_sp` and
// restores the same from there. Returns, on the stack that is switched back to later, the `value`
// that switch passed. `save_sp` may be the context being switched to only if it is not running.
extern "C" void* gt_fiber_switch(void** save_sp, void* target_sp, void* value);

namespace greenthread {

// Suspends the running stack into `from` and resumes `to`, handing it `value`. Returns the value
// of the switch that resumes `from` later.
inline void* FiberSwitch(FiberContext* from, FiberContext* to, void* value) {
  return gt_fiber_switch(&from->sp, to->sp, value);
}

}  // namespace greenthread
