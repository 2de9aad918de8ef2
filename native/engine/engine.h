// Engine: the per-isolate switching machinery. One instance per Node environment (the main
// thread and every Worker have their own), created when the addon loads there and torn down by
// the environment's cleanup hook.
//
// Two backends behind this one interface (the hub above cannot tell them apart): fibers (the
// default where they verify themselves: every green thread a stack on this thread, switched
// in user space; engine-fiber.cc opens with the essay on what that takes) and threads (every
// running green thread an OS thread of its own, described below; the fallback).
//
// The baton discipline (DESIGN.md): exactly one OS thread runs JavaScript on the isolate at any
// instant. A handoff is always: Isolate::Exit, Unlocker (V8 archives this thread's state),
// signal the partner's baton, wait on our own; then Isolate::Enter, and Locker (V8 restores our
// state). Only Local/Global handles live across a handoff, never raw V8 pointers.
//
// Enter comes before the lock (EnterBeforeRestore): restoring a thread's state runs V8 code
// that needs Isolate::Current(). With a debugger step pending on the resumed thread, V8 11
// (Node 20) re-prepares the step inside that restore (ThreadManager::RestoreThread ->
// Debug::RestoreDebug -> PrepareStep -> ... -> Isolate::main_thread_local_heap()), which
// dereferences Isolate::Current(): null unless this thread has entered (SIGSEGV, reproduced by
// test/debugger-step.test.ts). Entering without V8's lock is safe because the baton, not that
// lock, is what excludes: a baton is signalled only after its giver has exited and unlocked,
// the giver touches V8 again only once its own baton is signalled (by us, after we exit), and
// no other OS thread ever locks this isolate (Node's platform and inspector threads reach it
// through interrupts, which take a separate V8 mutex). So the per-isolate state Enter writes
// (the entry stack, the heap's stack start) has no other user at that moment, and the lock we
// take next is free. Checked at every arrival: no thread is entered (Isolate::IsInUse) when a
// baton arrives, on the main thread and in Workers alike. One side effect: V8 archives the giver's state lazily, inside our
// restore, so the ThreadId that Enter stores in the live ThreadLocalTop lands in the giver's
// archived copy, and Isolate::thread_id() can name another thread while the giver runs again.
// Harmless as far as the V8 11-14 sources show (only debug-build DCHECKs read it); putting it
// right would cost another Exit/Enter pair per handoff (Enter after the lock rewrites it).
//
// Two ways to hand the baton on. Resume: the hub thread (the isolate's own thread, which loaded
// the addon) runs a coroutine until the baton comes back to it. SwitchTo: the running coroutine
// hands the baton straight to another one, saving the trip through the hub (half the handoffs
// of a green-to-green switch). Either way the hub's Resume call stays on the hub thread's stack
// until some coroutine yields or finishes; which one that was is the caller's bookkeeping.
//
// A coroutine gets its OS thread at its first start, not at creation: a spawn burst then runs
// on the few threads that are warm (spinning, cached) instead of waking one cold thread per
// green thread.
#pragma once

#include <v8.h>

#include <cstddef>
#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/blocking-watchdog.h"
#include "engine/coroutine.h"
#include "engine/fiber-offsets.h"
#include "engine/fiber-stack.h"
#include "engine/os-thread-pool.h"
#include "engine/v8-versions.h"

namespace greenthread {

// What a Resume came back with.
enum class ResumeOutcome : int {
  kYielded = 0,   // the coroutine that handed the baton back is parked
  kFinished = 1,  // it has finished (and is freed)
};

// Status codes the binding turns into JavaScript errors (native/binding/addon.cc, ThrowStatus).
enum class EngineStatus : int {
  kOk = 0,
  kNotOnHub = 1,         // resume called from inside a coroutine
  kNotInCoroutine = 2,   // yield called from the hub thread
  kBadCoroutine = 3,     // unknown id, or a coroutine that cannot be resumed in its state
  kThreadLimit = 4,      // the OS refused a new thread (see last_os_error())
  kShuttingDown = 5,     // the environment is being torn down
};

struct FiberCanary;

class Engine {
 public:
  static constexpr size_t kDefaultStackSize = 1024 * 1024;
  static constexpr size_t kMinStackSize = 256 * 1024;
  static constexpr size_t kMaxStackSize = 1024ull * 1024 * 1024;
  // Stack kept below JavaScript's limit for V8's own C++ (runtime calls, GC, the parser).
  static constexpr size_t kNativeStackReserve = 128 * 1024;

  Engine(v8::Isolate* isolate, v8::Local<v8::Context> context);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Registers a coroutine that will call `entry(id)` on its own OS thread when first started, and
  // remembers the caller's async context (CPED) for it. Returns its id (>= 0) or sets *status.
  //
  // Values do not travel through the engine: a resumed thread reads what to return or throw
  // from its own JavaScript object (src/hub/hub.ts), which costs nothing, where a global handle
  // per switch costs about a tenth of the switch. The engine moves only the baton.
  int32_t Create(v8::Local<v8::Function> entry, EngineStatus* status);

  // Runs coroutine `id` (hub thread only) until the baton comes back: some coroutine (`id`, or
  // one it switched to) yielded or finished. If that one's entry threw, rethrows the exception
  // here; if it was terminated, terminates the caller too.
  // Returns Nothing with *status set when the call itself is not allowed (kThreadLimit: `id`
  // could not get an OS thread for its start; nothing ran).
  // During teardown, the resumed coroutine unwinds by termination instead (Teardown).
  v8::Maybe<ResumeOutcome> Resume(int32_t id, EngineStatus* status);

  // Called on a coroutine's thread: hands the baton straight to coroutine `id` (started or
  // parked) and parks until resumed, exactly like Yield. A status other than kOk (kThreadLimit,
  // kBadCoroutine, kNotInCoroutine) means no switch happened and the caller keeps running.
  void SwitchTo(int32_t id, bool expect_soon, EngineStatus* status);

  // Called on a coroutine's thread: gives the baton to the hub and parks until resumed (by the
  // hub or by another coroutine's SwitchTo). If it was resumed to be unwound (teardown),
  // termination is pending when it returns. `expect_soon` lets the parked thread spin briefly
  // (Baton::Wait).
  void Yield(bool expect_soon, EngineStatus* status);

  // Fiber backend: idle hosts and stacks stay as they are when released (fast reuse) and are
  // trimmed or ended only once they have aged, a step at a time (engine-fiber.cc says why).
  // TakeDecayRequest is true once when idle ones await that and no decay is under way: the
  // binding then has the JavaScript side run DecayIdle periodically until it returns false
  // (nothing left to age). DecayIdle does at most `budget` trims or ends; hub thread only,
  // outside any coroutine (elsewhere it does nothing and asks to be called again).
  bool TakeDecayRequest() {
    if (decay_requested_ || !DecayPending()) return false;
    decay_requested_ = true;
    return true;
  }
  bool DecayIdle(size_t budget);

  // Hint that coroutine `id` is about to be resumed: if its thread sleeps in the kernel, it
  // starts spinning (Baton::Prod). Safe for any id.
  void Prod(int32_t id);

  // Releases a coroutine that never started (cancelled before its first resume).
  EngineStatus Discard(int32_t id);

  size_t stack_size() const { return stack_size_; }
  void set_stack_size(size_t bytes) { stack_size_ = bytes; }
  int last_os_error() const { return last_os_error_; }
  size_t live_coroutines() const { return live_; }
  const OsThreadPool& pool() const { return pool_; }

  // Environment teardown: unwinds every parked coroutine (termination, no handlers run),
  // discards unstarted ones and ends the pool's threads. Runs on the hub thread.
  void Teardown();

  v8::Isolate* isolate() const { return isolate_; }

  // Backend choice (engine-fiber.cc). The request comes from GREENTHREAD_BACKEND at load and
  // from configure({ backend }); the choice is made lazily, on the hub thread, the first time
  // anything needs it (the first Create, stats, backend()), so a process that never spawns
  // pays nothing for the self-check. kDefault means fibers where they verify themselves.
  enum class BackendRequest : uint8_t { kDefault, kFibers, kThreads };
  // Records a request; `note` is kept as the fallback reason when it leads to threads (an
  // unknown GREENTHREAD_BACKEND value). Takes effect at the next EnsureBackend.
  void RequestBackend(BackendRequest request, std::string note = std::string());
  // configure({ backend }): chooses now. Refused (false, *error set) once any green thread was
  // created with another backend; choosing the backend in force again is always fine.
  bool SelectBackend(BackendRequest request, std::string* error);
  // Makes the choice if it is still open. Hub thread only, and only while it holds the isolate.
  void EnsureBackend();
  BackendRequest backend_request() const { return backend_request_; }
  bool fibers() const { return fibers_; }
  const std::string& fallback_reason() const { return fallback_reason_; }
  // Stacks bound to green threads, and stacks ready for new ones (idle hosts and idle stacks).
  size_t fiber_stacks_in_use() const { return fiber_stacks_.live_count() - idle_hosts_.size(); }
  size_t fiber_stacks_ready() const { return fiber_stacks_.idle_count() + idle_hosts_.size(); }
  // V8 ThreadIds ever allocated for fibers (recycled ones are counted once).
  size_t fiber_thread_ids() const { return fiber_thread_ids_; }

  // hub.blockingDetection's watchdog (blocking-watchdog.h): told of every baton arrival here,
  // of every event-loop iteration by the binding.
  BlockingWatchdog& watchdog() { return *watchdog_; }

 private:
  friend class Coroutine;
  friend struct FiberCanary;
  friend struct FiberHost;

  Coroutine* Lookup(int32_t id) const;
  void Free(int32_t id);
  // Gives a coroutine about to start its OS thread; false (status set) if the OS refuses one.
  bool BindThread(Coroutine* co, EngineStatus* status);
  // What every parked coroutine does once the baton is back: checks, CPED, and during
  // teardown the termination that unwinds it.
  void Resumed(Coroutine* co);
  // Called by a finished coroutine, still holding the baton, with the successor its entry
  // named (a coroutine id, or -1): sets up the handoff and returns the baton to signal once it
  // has unlocked.
  Baton* HandOnFinished(Coroutine* co, int32_t successor);
  // Frees the coroutine that finished by handing the baton straight on (it cannot free
  // itself: it is still leaving its thread). Called by every new baton holder.
  void FreeRetired();
  // The handoff itself: give the isolate to whoever waits on `to`, take it back once `mine`
  // is signalled.
  void HandOff(Baton& to, Baton& mine, bool spin);
  // Carry the CPED (v8-versions.h) across a handoff.
  void SaveAsyncContextData(v8::Global<AsyncContextData>& slot);
  void RestoreAsyncContextData(const v8::Global<AsyncContextData>& slot);
  // GC prologue and epilogue: the CPED is kept out of the isolate's slot while the collector
  // walks the roots, which visits that slot once per archived thread (engine.cc says why).
  static void HideAsyncContextDataFromGc(v8::Isolate* isolate, v8::GCType type,
                                         v8::GCCallbackFlags flags, void* data);
  // Fiber backend (engine-fiber.cc). BindStack is BindThread's counterpart (a coroutine gets a
  // fiber host); FiberHandOff the switch of fibers-feasibility.md §1; FiberFinishTarget
  // HandOnFinished's; ReleaseStack takes back a finished or discarded coroutine's host.
  //
  // UseFibers switches to fibers only if `check` passed on this very thread and the canary (a probe
  // fiber that runs JavaScript, throws, parks and finishes, checked at every step) agrees;
  // otherwise stays on threads and remembers why. Returns whether fibers are on.
  bool UseFibers(const FiberSelfCheck& check);
  // The canary; returns "" when every step checked out, else the failure.
  std::string RunFiberCanary();
  uintptr_t HeapStackStart() const;
  // BindStack gives a coroutine about to start a host: an idle one whose stack has the
  // coroutine's size, or a new one. ReleaseStack takes it back once the coroutine is done
  // with it (finished or discarded): idle, or, if it has left V8, its stack to the pool.
  bool BindStack(Coroutine* co, EngineStatus* status);
  void FiberHandOff(FiberSide& from, FiberSide& to);
  Coroutine* FiberFinishTarget(Coroutine* co, int32_t successor);
  void ReleaseStack(Coroutine* co);
  // Teardown: every idle host leaves V8 and its stack goes back to the pool.
  void EndIdleHosts();
  // An idle host, already out of idle_hosts_, leaves V8 (switched into once for that, from the
  // hub) and is freed; its stack goes back to the pool.
  void EndIdleHost(FiberHost* host);
  // Idle hosts or stacks still to trim, or more of them than decay keeps.
  bool DecayPending() const;
  void WriteFiberIdentity(const FiberSide& to);
  int32_t ReadThreadIdSlot() const;

  static void RestoreAsyncContextDataAfterGc(v8::Isolate* isolate, v8::GCType type,
                                             v8::GCCallbackFlags flags, void* data);

  v8::Isolate* const isolate_;
  v8::Global<v8::Context> context_;
  // Owned; retired (not deleted: an interrupt may still name it) by the destructor.
  BlockingWatchdog* const watchdog_;
  // Signalled by a coroutine when it yields or finishes; waited on by the hub thread only.
  // While any coroutine runs, the hub thread waits here inside Resume.
  Baton hub_baton_;
  OsThreadPool pool_;
  // Coroutine table indexed by id; free ids are reused (LIFO) so the table stays small.
  std::vector<Coroutine*> table_;
  std::vector<int32_t> free_ids_;
  size_t live_ = 0;

  // The exception of an entry that threw, from its coroutine's finish to the hub's Resume
  // that rethrows it. Strictly one handoff happens at a time, and a throwing coroutine hands
  // the baton only to the hub, which empties the slot before it resumes anyone: one slot per
  // engine is enough (checked where it is filled).
  v8::Global<v8::Value> thrown_;
  // The hub's CPED while a coroutine runs (kept between switches as a cache).
  v8::Global<AsyncContextData> hub_async_context_data_;
  // The CPED set aside for the duration of one garbage collection (empty otherwise).
  v8::Global<AsyncContextData> gc_async_context_data_;

  Coroutine* running_ = nullptr;  // baton held by this coroutine's thread when non-null
  Coroutine* retired_ = nullptr;  // finished, handed the baton on, not yet freed
  // The CPU of the thread that holds the baton (Baton::NoteHolderCpu), for waiters' spinning.
  std::atomic<int> holder_cpu_{-1};
  size_t stack_size_ = kDefaultStackSize;
  int last_os_error_ = 0;

  // Fiber backend state (unused with threads).
  BackendRequest backend_request_ = BackendRequest::kDefault;
  std::string request_note_;
  bool backend_chosen_ = false;
  bool created_any_ = false;  // a green thread was created: the backend is fixed
  size_t fiber_thread_ids_ = 0;
  bool fibers_ = false;
  std::string fallback_reason_;
  FiberOffsets fiber_offsets_;
  // Idle stacks kept once aged: a server that had thousands of connections at once will
  // likely have them again, and reuse costs one page fault per page where a new stack costs
  // mmap, a guard and munmap later. Trimmed to their warm top (kFiberStackWarmSize), 2,048
  // idle stacks hold 32 MiB.
  static constexpr size_t kKeepIdleStacks = 2048;
  FiberStackPool fiber_stacks_{kKeepIdleStacks};
  FiberSide hub_side_;
  // Hosts between green threads (LIFO: the last one released has the warmest stack; the oldest
  // at the front, in release order). Each holds an archived V8 thread (its saved state and a
  // handle block, about 10 KiB) and its stack's pages. Once aged (DecayIdle), this many stay,
  // trimmed to the page they are parked on; older ones leave V8.
  static constexpr size_t kKeepIdleHosts = 1024;
  std::vector<FiberHost*> idle_hosts_;
  size_t hosts_ = 0;                 // hosts that exist (bound, idle, or leaving)
  size_t untrimmed_idle_hosts_ = 0;  // idle and not yet trimmed
  uint32_t host_epoch_ = 0;          // DecayIdle steps taken
  bool decay_requested_ = false;     // TakeDecayRequest said so; DecayIdle has not finished
  // ThreadIds of finished fibers, for the next new fibers (V8 never recycles them and aborts
  // after 2^31 allocations).
  std::vector<int32_t> free_thread_ids_;
  bool tearing_down_ = false;
};

}  // namespace greenthread
