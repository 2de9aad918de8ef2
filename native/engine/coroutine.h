// Coroutine: one green thread as the engine sees it. It runs a JavaScript function on a pooled
// OS thread's stack (thread backend) or a fiber host's stack (fiber backend), taken at its
// first start, taking turns with the hub thread and the other coroutines on the same isolate. Knows nothing of eventlet, schedulers or async_hooks: that is
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
class Coroutine;

// One side of a fiber switch (fiber backend, engine-fiber.cc): a parked stack and the V8
// per-thread identity written into the private slots when it is switched into. The hub has
// one, every started fiber one.
struct FiberSide {
  FiberContext ctx;
  int32_t thread_id = 0;       // V8's ThreadId for this stack; 0 = let V8 allocate one
  uintptr_t stack_start = 0;   // what base::Stack::GetStackStart() must return on this stack
  uintptr_t stack_limit = 0;   // re-applied on switch-in on V8 >= 13 (0 = none)
};

// Fiber backend: a V8 thread of its own on a stack of its own, which runs green threads one
// after another. It enters the isolate and takes its Locker once, at its first start, and
// keeps both between green threads, parked like a green thread while idle, so that starting a
// green thread costs a switch, not a new V8 thread (a ThreadId, per-thread data, handle
// blocks, all freed again at its end). It leaves V8 for good when the idle pool is full, when
// its green thread was terminated, or at teardown. Owned by the engine (engine-fiber.cc).
struct FiberHost {
  Engine* engine = nullptr;
  FiberStack stack;
  FiberSide side;
  Coroutine* job = nullptr;     // the green thread it runs, or will run once switched into
  bool exit_requested = false;  // teardown: switched into only to leave V8 and go back to the hub
  bool exited = false;          // has left V8: its stack goes back to the pool
  bool trimmed = false;         // idle, with its pages below the one it is parked on given back
  uint32_t released_at = 0;     // idle since this decay epoch (Engine::DecayIdle)

  // The host's whole life on its stack; never returns (its last act switches away).
  [[noreturn]] void Main();
  static void Start(void* arg, void* value);
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

 private:
  friend class Engine;
  friend struct FiberHost;

  // Both backends' body of a coroutine, once it holds the isolate (Locker, entered, stack
  // limit set): calls the entry in the engine's context and records how it finished. Returns
  // the successor the entry named (an id >= 0), or -1 for the hub.
  int32_t RunEntry(v8::Isolate* isolate);

  Engine* const engine_;
  const int32_t id_;
  const size_t stack_size_;  // what configure() said when it was created
  OsThread* thread_ = nullptr;  // owned by the pool; ours from first start until finished
  // Fiber backend: the host it runs on, from its first start until it is freed.
  FiberHost* host_ = nullptr;
  v8::Global<v8::Function> entry_;
  // This coroutine's CPED while it is parked (v8-versions.h); before its start, the
  // CPED of the place that created it. Kept as a cache after a restore.
  v8::Global<AsyncContextData> async_context_data_;
  CoroutineState state_ = CoroutineState::kCreated;
  FinishKind finish_kind_ = FinishKind::kReturned;
};

}  // namespace greenthread
