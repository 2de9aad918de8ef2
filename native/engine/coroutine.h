// Coroutine: one green thread as the engine sees it. It runs a JavaScript function on a pooled
// OS thread's stack (taken at its first start), taking turns with the hub thread and the other
// coroutines on the same isolate. Knows nothing of eventlet, schedulers or async_hooks: that is
// the hub's business.
//
// Lifecycle (all transitions happen while the isolate lock is held by the thread that makes
// them):   kCreated --first resume/switch--> kRunning <--yield or switch / resume or switch--> kParked
//                                      kRunning --entry returns/throws/terminates--> kFinished
#pragma once

#include <v8.h>

#include <cstdint>

#include "engine/fiber-stack.h"
#include "engine/fiber-switch.h"
#include "engine/os-thread-pool.h"
#include "engine/v8-versions.h"

namespace greenthread {

class Engine;

// One side of a fiber switch (fiber backend, engine-fiber.cc): a parked stack and the V8
// per-thread identity written into the private slots when it is switched into. The hub has
// one, every started fiber one.
struct FiberSide {
  FiberContext ctx;
  int32_t thread_id = 0;       // V8's ThreadId for this stack; 0 = let V8 allocate one
  uintptr_t stack_start = 0;   // what base::Stack::GetStackStart() must return on this stack
  uintptr_t stack_limit = 0;   // re-applied on switch-in on V8 >= 13 (0 = none)
};

enum class CoroutineState : uint8_t { kCreated, kRunning, kParked, kFinished };

// How a finished coroutine ended.
enum class FinishKind : uint8_t { kReturned, kThrew, kTerminated };

class Coroutine final : public OsThreadJob {
 public:
  Coroutine(Engine* engine, int32_t id, size_t stack_size, v8::Local<v8::Function> entry);
  ~Coroutine() override;

  // Gives the OS thread back to the caller (the engine returns it to the pool).
  OsThread* DetachThread();

  // The entry body; runs on thread_ (OsThreadJob).
  void RunOnThread(OsThread* thread) override;

  // The entry body on a fiber stack (engine-fiber.cc); never returns: its last act is the
  // switch away from its own stack.
  [[noreturn]] void RunOnFiber();

 private:
  friend class Engine;

  // Both backends' body of a coroutine, once it holds the isolate (Locker, entered, stack
  // limit set): calls the entry in the engine's context and records how it finished. Returns
  // the successor the entry named (an id >= 0), or -1 for the hub.
  int32_t RunEntry(v8::Isolate* isolate);

  Engine* const engine_;
  const int32_t id_;
  const size_t stack_size_;  // what configure() said when it was created
  OsThread* thread_ = nullptr;  // owned by the pool; ours from first start until finished
  // Fiber backend: the stack (from the engine's pool, at first start) and the switch state.
  FiberStack stack_;
  FiberSide side_;
  v8::Global<v8::Function> entry_;
  // This coroutine's CPED while it is parked (v8-versions.h); before its start, the
  // CPED of the place that created it. Kept as a cache after a restore.
  v8::Global<AsyncContextData> async_context_data_;
  CoroutineState state_ = CoroutineState::kCreated;
  FinishKind finish_kind_ = FinishKind::kReturned;
};

}  // namespace greenthread
