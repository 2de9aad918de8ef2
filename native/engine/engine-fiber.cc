// The fiber backend of the engine: green threads as stacks on the hub's own OS thread, switched
// by fiber-switch's register swap, still through Unlocker/Locker for V8's per-thread state.
// The default wherever it verifies itself; the thread backend (engine.cc, one OS thread per
// running green thread) is the fallback. Measurements and the failures that forced each rule
// below: /work/shared/research/fibers-feasibility.md.
//
// WHAT IT BENDS. V8's public rule is "one OS thread, one stack, one Locker at a time". V8
// keeps a thread's JavaScript state (ThreadLocalTop, handle scopes, the debugger's step state,
// the stack guard) in the isolate while that thread holds the Locker, and copies it aside
// (ArchiveThread) when an Unlocker lets another thread in, keyed by a ThreadId. We run several
// stacks on one OS thread and present each to V8 as a thread of its own. Four pieces of
// private state have to agree with the stack that runs:
//   1. The ThreadId (a C++ thread_local in V8: node-fibers died of it). Every stack gets its
//      own: the id is written into that TLS slot just before a switch, inside the giver's
//      Unlocker, when nobody holds the isolate; V8's lazy archive of the giver and its restore
//      of the taker then key their state by the right ids. A new fiber starts with 0, so its
//      Locker allocates a fresh id; a fiber that leaves V8 gives its id to the next new
//      fiber (free_thread_ids_), because V8 never recycles ids and aborts after 2^31 of them.
//      Its per-thread data stays in V8's table, as an OS thread's does between two Lockers:
//      the next fiber with that id takes it over, so the table is bounded by the peak number
//      of fibers, and a CPU profiler started on a fiber (which keeps a raw pointer to that
//      data) never reads freed memory.
//   2. base::Stack's cached stack start (TLS). Isolate::Enter copies it into the heap, where
//      the conservative stack scan starts; V8 >= 13 CHECKs in every GC (and V8 14 in every
//      throw) that the running code is on the "central stack" it describes. It is written with
//      the ThreadId, so each stack is its own central stack.
//   3. Isolate::stack_size_ (V8 >= 13), per isolate rather than per thread: SetStackLimit is
//      re-applied after every switch-in (FiberSide::stack_limit).
//   4. The continuation-preserved embedder data (AsyncLocalStorage on Node 24/26), also per
//      isolate: saved and restored per coroutine exactly as the thread backend does.
// And one ordering rule shared with the thread backend: enter the isolate before ~Unlocker
// restores the thread state (engine.h, EnterBeforeRestore; Node 20's debugger crashed without).
//
// HOW EACH IS KEPT SAFE. Nothing here writes a private slot unless UseFibers accepted:
//   - the load-time self-check (fiber-offsets.cc), run on this very thread: every private
//     offset decoded from this exact binary's public code (Locker::IsLocked,
//     base::Stack::GetStackStart, Isolate::Enter, Isolate::SetStackLimit) by exact instruction
//     shapes, checked against the ELF .symtab where there is one, and cross-checked read-only
//     against live values (the id slot against ThreadManager's owner and IsLocked, a fresh OS
//     thread getting exactly one new id, the stack-start slot against GetStackStart() and the
//     thread's real stack, the heap's copy, stack_size_ against the central-stack window); the
//     platform (x86-64 Linux) and no shadow stack (CET breaks any register-swapping switch);
//   - then the canary (FiberCanary below): the backend's first switches, made by a probe fiber
//     before any green thread exists, which takes an id, runs JavaScript that allocates,
//     recurses and throws, parks, is resumed and finishes, with V8's view of the running stack
//     compared with ours at every step, on both sides of each switch.
// Any failure, an unknown build, or a forced failure (GREENTHREAD_FIBER_SELFCHECK_FAIL=<check>,
// which the tests use to walk every fallback) leaves the engine on threads, with the reason on
// hub.stats().fallbackReason. The choice is made before the first green thread and never
// changes afterwards, so the two backends never mix.
// Other invariants hold as with threads: only Local/Global handles cross a switch; one switch
// at a time; the isolate is entered by nobody when a stack is switched into (GT_CHECKed);
// --no-wasm-code-gc (set at load for both backends: V8's wasm code GC refuses archived
// threads); Worker termination and environment teardown unwind parked fibers by termination
// (Engine::Teardown), then release their stacks. Stacks (fiber-stack.h) are mmap'ed with a
// guard region below and pooled; deep recursion meets V8's stack limit (kNativeStackReserve
// above the guard) as a RangeError long before the guard.
//
// IDLE MEMORY. A finished green thread's host (its stack and V8 thread) goes idle as it is, for
// the next green thread to take back warm. It is trimmed (pages below the one it is parked on
// given back), ended (leaves V8; beyond kKeepIdleHosts) or, as a bare stack, unmapped (beyond
// the stack pool's 2,048) only once it has sat idle through a whole decay period (DecayIdle,
// driven by an unref'd timer in src/engine/engine.ts, a bounded batch per period). Measured on
// this project's VM, where a page fault costs about 11 us and a madvise or munmap 15-18 us (both
// far cheaper on bare metal): trimming or unmapping at release put thousands of those system
// calls, plus a page fault per page at the next reuse, into the moment a crowd of 10,000 green
// threads ends and the next one starts, about half a second; with decay the next crowd starts
// on warm hosts (10,000 starts of a warm crowd: 40-70 ms instead of 200-400 ms). The price
// is the peak's memory kept for one to two periods after it, as allocators with decay keep it.
// Known limits: V8's CPU profiler samples the OS thread that started it, which on this backend
// is every green thread (see the README); a debugger sees one thread whose stack changes at
// each switch, as with threads.
//
// ADDING A NODE VERSION. Run test/engine/fiber-selfcheck.test.ts under it (npm run
// test:matrix -- --only <major>). If a decode fails, the reason names the entry point and dumps
// the bytes it could not match: add the new instruction shape to fiber-offsets.cc's tables,
// with the V8 version in its name, and add the version's expected offsets to the test's
// research table after confirming them with `readelf -s` (+ PT_TLS) and the research note's
// method. Then run the whole suite under both backends on it (test:matrix does) and read
// v8threads.cc, isolate.cc (Enter, IsOnCentralStack, Throw) and stack-guard.cc of that V8 for
// new per-isolate state that should be per thread, as stack_size_ was in V8 13.
#include <v8.h>

#include <string>

#include "engine/assert.h"
#include "engine/engine.h"
#include "engine/fiber-switch.h"
#include "engine/v8-versions.h"

namespace greenthread {

namespace {

inline char* ThreadPointer() {
  char* tp;
  asm volatile("movq %%fs:0, %0" : "=r"(tp));
  return tp;
}

}  // namespace

void Engine::RequestBackend(BackendRequest request, std::string note) {
  backend_request_ = request;
  request_note_ = std::move(note);
  backend_chosen_ = false;
}

bool Engine::SelectBackend(BackendRequest request, std::string* error) {
  EnsureBackend();
  const bool want_fibers = request != BackendRequest::kThreads;
  if (created_any_) {
    // Green threads exist (or existed) on the backend in force: only a no-op is allowed.
    if (request == BackendRequest::kDefault || want_fibers == fibers_) return true;
    *error = std::string("the backend can only be chosen before the first green thread is created (running: ") +
             (fibers_ ? "fibers" : "threads") + ")";
    return false;
  }
  if (request == backend_request_) return true;
  fibers_ = false;
  fallback_reason_.clear();
  RequestBackend(request);
  EnsureBackend();
  return true;
}

void Engine::EnsureBackend() {
  if (backend_chosen_) return;
  backend_chosen_ = true;
  fibers_ = false;
  fallback_reason_ = request_note_;
  if (backend_request_ == BackendRequest::kThreads || !request_note_.empty()) return;
  UseFibers(RunFiberSelfCheck(isolate_));
}

bool Engine::UseFibers(const FiberSelfCheck& check) {
  GT_CHECK(!created_any_ && running_ == nullptr, "the backend is chosen on the hub, before the first green thread");
  if (!check.ok) {
    fallback_reason_ = check.reason.empty() ? "fiber self-check failed" : check.reason;
    return false;
  }
  if (!kFiberSwitchAvailable) {
    fallback_reason_ = "the fiber switch is not available on this platform";
    return false;
  }
  fiber_offsets_ = check.offsets;
  hub_side_.thread_id = ReadThreadIdSlot();
  hub_side_.stack_start = *reinterpret_cast<uintptr_t*>(ThreadPointer() + fiber_offsets_.stack_start_tls);
  if (hub_side_.thread_id <= 0 || hub_side_.stack_start == 0) {
    fallback_reason_ = "the hub thread's ThreadId or stack start reads as unset";
    return false;
  }
  std::string canary = RunFiberCanary();
  if (canary.empty() && FiberCheckForced(kFiberCanaryCheck)) {
    canary = std::string(kFiberCanaryCheck) + ": forced to fail by GREENTHREAD_FIBER_SELFCHECK_FAIL";
  }
  if (!canary.empty()) {
    fallback_reason_ = canary;
    return false;
  }
  fibers_ = true;
  fallback_reason_.clear();
  return true;
}

uintptr_t Engine::HeapStackStart() const {
  // The self-check proved these reads against live values on this thread (fiber-offsets.cc).
  const char* heap = reinterpret_cast<const char*>(isolate_) + fiber_offsets_.heap;
  const char* holder = *reinterpret_cast<char* const*>(heap + fiber_offsets_.heap_stack_holder);
  return *reinterpret_cast<const uintptr_t*>(holder + fiber_offsets_.heap_stack_start);
}

// The canary: the backend's first switches, made by a probe before any green thread exists,
// with V8's view of the running stack checked at every step. It takes a fresh ThreadId, runs
// JavaScript that allocates and throws (V8 14 checks the stack start in every throw), parks
// once so that the hub's own state is archived and restored, then finishes and gives its id
// back. Any mismatch leaves the engine on threads, with the step that failed as the reason.
struct FiberCanary {
  Engine* const engine;
  FiberStack stack;
  FiberSide side;
  std::string failure;
  bool finished = false;

  explicit FiberCanary(Engine* e) : engine(e) {}

  void Expect(bool pass, const char* what) {
    if (!pass && failure.empty()) failure = std::string(kFiberCanaryCheck) + ": " + what;
  }

  // V8's idea of the running stack: the ThreadId slot, the stack-start slot and the heap's copy.
  void ExpectIdentity(const FiberSide& expected, const char* what) {
    const uintptr_t slot = *reinterpret_cast<uintptr_t*>(ThreadPointer() + engine->fiber_offsets_.stack_start_tls);
    Expect(engine->ReadThreadIdSlot() == expected.thread_id && slot == expected.stack_start &&
               engine->HeapStackStart() == expected.stack_start && v8::Isolate::TryGetCurrent() == engine->isolate_,
           what);
  }

  static void Start(void* arg, void* /*value*/) { static_cast<FiberCanary*>(arg)->Run(); }

  [[noreturn]] void Run() {
    Engine* const e = engine;
    v8::Isolate* const isolate = e->isolate_;
    {
      GT_CHECK(!isolate->IsInUse(), "the canary starts only after the hub has left the isolate");
      isolate->Enter();
      v8::Locker locker(isolate);
      side.thread_id = e->ReadThreadIdSlot();
      e->fiber_thread_ids_++;
      Expect(side.thread_id > 0 && side.thread_id != e->hub_side_.thread_id,
             "a new fiber's Locker did not give it a ThreadId of its own");
      ExpectIdentity(side, "V8 does not see the fiber's own stack after its first Enter and Locker");
      Expect(v8::Locker::IsLocked(isolate), "the fiber does not hold the isolate's lock");
      side.stack_limit = stack.low() + Engine::kNativeStackReserve;
      isolate->SetStackLimit(side.stack_limit);
      RunJavaScript(isolate);
      {
        // Switching back in runs V8 code that may make handles (V8 >= 13 restoring the thread).
        v8::HandleScope handle_scope(isolate);
        e->FiberHandOff(side, e->hub_side_);  // park once: the hub checks its own side
      }
      ExpectIdentity(side, "the fiber's identity did not survive a park and resume");
      RunJavaScript(isolate);
      isolate->Exit();
    }
    e->free_thread_ids_.push_back(side.thread_id);
    finished = true;
    e->WriteFiberIdentity(e->hub_side_);
    FiberSwitch(&side.ctx, &e->hub_side_.ctx, nullptr);
    GT_CHECK(false, "a finished canary is never switched into again");
    __builtin_trap();
  }

  void RunJavaScript(v8::Isolate* isolate) {
    if (!failure.empty()) return;
    v8::HandleScope handle_scope(isolate);
    v8::Local<v8::Context> context = engine->context_.Get(isolate);
    v8::Context::Scope context_scope(context);
    v8::TryCatch try_catch(isolate);
    // Allocates, recurses a little and throws across frames: 64 objects + 11 characters.
    const char* source =
        "(() => { const kept = []; for (let i = 0; i < 64; i++) kept.push({ i });"
        " const down = (n) => { if (n === 0) throw new RangeError('greenthread'); return down(n - 1); };"
        " try { down(17); } catch (e) { return kept.length + e.message.length; } })()";
    v8::Local<v8::String> text = v8::String::NewFromUtf8(isolate, source).ToLocalChecked();
    v8::Local<v8::Script> script;
    v8::Local<v8::Value> result;
    if (!v8::Script::Compile(context, text).ToLocal(&script) || !script->Run(context).ToLocal(&result)) {
      Expect(false, "JavaScript on the fiber did not run to completion");
      return;
    }
    Expect(result->IsInt32() && result.As<v8::Int32>()->Value() == 64 + 11,
           "JavaScript on the fiber computed a wrong value");
  }
};

std::string Engine::RunFiberCanary() {
  FiberCanary canary(this);
  int error = 0;
  if (!fiber_stacks_.Acquire(kDefaultStackSize, &canary.stack, &error)) {
    return std::string(kFiberCanaryCheck) + ": no stack could be mapped for it (errno " + std::to_string(error) + ")";
  }
  if (!FiberContextInit(&canary.side.ctx, canary.stack.low(), canary.stack.high(), FiberCanary::Start, &canary,
                        &hub_side_.ctx)) {
    fiber_stacks_.Release(canary.stack);
    return std::string(kFiberCanaryCheck) + ": the switch context could not be set up";
  }
  canary.side.stack_start = canary.stack.high();
  canary.side.thread_id = 0;
  const FiberSide hub = hub_side_;
  FiberHandOff(hub_side_, canary.side);  // runs to its park
  canary.ExpectIdentity(hub, "the hub's identity was not restored when the fiber parked");
  canary.Expect(!canary.finished, "the canary finished before it parked");
  FiberHandOff(hub_side_, canary.side);  // runs to its end
  canary.ExpectIdentity(hub, "the hub's identity was not restored when the fiber finished");
  canary.Expect(canary.finished, "the canary did not finish");
  fiber_stacks_.Release(canary.stack);
  return canary.failure;
}

int32_t Engine::ReadThreadIdSlot() const {
  return *reinterpret_cast<volatile int32_t*>(ThreadPointer() + fiber_offsets_.thread_id_tls);
}

void Engine::WriteFiberIdentity(const FiberSide& to) {
  char* tp = ThreadPointer();
  *reinterpret_cast<volatile int32_t*>(tp + fiber_offsets_.thread_id_tls) = to.thread_id;
  *reinterpret_cast<volatile uintptr_t*>(tp + fiber_offsets_.stack_start_tls) = to.stack_start;
}

bool Engine::BindStack(Coroutine* co, EngineStatus* status) {
  if (co->host_ != nullptr) return true;
  const size_t map_size = kFiberStackGuardSize + FiberStackRoundSize(co->stack_size_);
  // The most recently idle host of the right size (another size only after configure()).
  for (size_t i = idle_hosts_.size(); i-- > 0;) {
    FiberHost* host = idle_hosts_[i];
    if (host->stack.map_size != map_size) continue;
    idle_hosts_.erase(idle_hosts_.begin() + static_cast<std::ptrdiff_t>(i));
    if (!host->trimmed) --untrimmed_idle_hosts_;
    host->job = co;
    host->trimmed = false;
    co->host_ = host;
    return true;
  }
  int error = 0;
  FiberStack stack;
  if (!fiber_stacks_.Acquire(co->stack_size_, &stack, &error)) {
    last_os_error_ = error;
    *status = EngineStatus::kThreadLimit;
    return false;
  }
  FiberHost* host = new FiberHost();
  // Room for every host to be idle at once: ReleaseStack, on a green thread's way out, never
  // allocates.
  if (idle_hosts_.capacity() < ++hosts_) idle_hosts_.reserve(2 * hosts_);
  host->engine = this;
  host->stack = stack;
  if (!FiberContextInit(&host->side.ctx, stack.low(), stack.high(), FiberHost::Start, host, &hub_side_.ctx)) {
    fiber_stacks_.Release(stack);
    delete host;
    --hosts_;
    last_os_error_ = 0;
    *status = EngineStatus::kThreadLimit;
    return false;
  }
  host->side.stack_start = stack.high();
  host->side.stack_limit = 0;
  if (!free_thread_ids_.empty()) {
    host->side.thread_id = free_thread_ids_.back();
    free_thread_ids_.pop_back();
  } else {
    host->side.thread_id = 0;  // V8 allocates one in the host's Locker
  }
  host->job = co;
  co->host_ = host;
  return true;
}

void Engine::ReleaseStack(Coroutine* co) {
  FiberHost* host = co->host_;
  if (host == nullptr) return;
  co->host_ = nullptr;
  host->job = nullptr;
  if (host->exited) {
    fiber_stacks_.Release(host->stack);
    delete host;
    --hosts_;
    return;
  }
  // Idle as it is, pages and all, until reused or aged (DecayIdle): when a crowd of green
  // threads ends, thousands of hosts come here in a row, and a madvise each would cost more
  // than the rest of their lives (see the essay above).
  GT_CHECK(idle_hosts_.size() < idle_hosts_.capacity(), "the idle host list has room for every host");
  host->released_at = host_epoch_;
  idle_hosts_.push_back(host);
  ++untrimmed_idle_hosts_;
}

void Engine::EndIdleHost(FiberHost* host) {
  if (!host->trimmed) --untrimmed_idle_hosts_;
  host->exit_requested = true;
  FiberHandOff(hub_side_, host->side);  // it leaves V8 and switches straight back
  GT_CHECK(host->exited, "an idle host asked to leave has left V8");
  fiber_stacks_.Release(host->stack);
  delete host;
  --hosts_;
}

void Engine::EndIdleHosts() {
  while (!idle_hosts_.empty()) {
    FiberHost* host = idle_hosts_.back();
    idle_hosts_.pop_back();
    EndIdleHost(host);
  }
}

bool Engine::DecayPending() const {
  return fibers_ && (untrimmed_idle_hosts_ > 0 || idle_hosts_.size() > kKeepIdleHosts ||
                     fiber_stacks_.untrimmed_idle_count() > 0 || fiber_stacks_.idle_count() > kKeepIdleStacks);
}

bool Engine::DecayIdle(size_t budget) {
  if (!fibers_ || tearing_down_) {
    decay_requested_ = false;
    return false;
  }
  if (running_ != nullptr) return true;  // not from the hub: try again later
  // As the stack pool's Decay: hosts idle since the previous step have aged (a prefix, the
  // list being in release order). Beyond kKeepIdleHosts the oldest aged ones leave V8, each
  // freeing its V8 thread's state and handing its stack to the pool; the aged ones kept give
  // back every page below the one holding their saved stack pointer (they are parked in Main
  // and the switch, a few hundred bytes from the top), so a kept idle host costs about a page
  // of stack.
  size_t aged = 0;
  while (aged < idle_hosts_.size() && idle_hosts_[aged]->released_at != host_epoch_) ++aged;
  ++host_epoch_;
  const size_t surplus = idle_hosts_.size() > kKeepIdleHosts ? idle_hosts_.size() - kKeepIdleHosts : 0;
  size_t end = surplus < aged ? surplus : aged;
  if (end > budget) end = budget;
  // Out of the list first: ending one runs V8 code, which must find the list consistent.
  std::vector<FiberHost*> leaving(idle_hosts_.begin(), idle_hosts_.begin() + static_cast<std::ptrdiff_t>(end));
  idle_hosts_.erase(idle_hosts_.begin(), idle_hosts_.begin() + static_cast<std::ptrdiff_t>(end));
  for (FiberHost* host : leaving) EndIdleHost(host);
  size_t done = end;
  aged -= end;
  for (size_t i = 0; i < aged && done < budget; ++i) {
    FiberHost* host = idle_hosts_[i];
    if (host->trimmed) continue;
    host->trimmed = true;
    --untrimmed_idle_hosts_;
    FiberStackDropBelow(host->stack, reinterpret_cast<uintptr_t>(host->side.ctx.sp));
    ++done;
  }
  bool stacks_pending = false;
  fiber_stacks_.Decay(budget > done ? budget - done : 0, &stacks_pending);
  const bool pending = DecayPending();
  if (!pending) decay_requested_ = false;
  return pending;
}

void Engine::FiberHandOff(FiberSide& from, FiberSide& to) {
  // Leave the isolate fully: a JavaScript callback may sit inside nested Isolate::Scopes.
  int entries = 0;
  while (v8::Isolate::TryGetCurrent() == isolate_) {
    isolate_->Exit();
    entries++;
  }
  from.thread_id = ReadThreadIdSlot();
#if V8_MAJOR_VERSION >= 13
  if (&from == &hub_side_ && fiber_offsets_.stack_size >= 0) {
    // The hub's own limit, as stack_size_ has it now (only a fiber's SetStackLimit changes it).
    const intptr_t size = *reinterpret_cast<intptr_t*>(reinterpret_cast<char*>(isolate_) + fiber_offsets_.stack_size);
    hub_side_.stack_limit = size > 0 ? hub_side_.stack_start - static_cast<uintptr_t>(size) : 0;
  }
#endif
  {
    v8::Unlocker unlocker(isolate_);  // archives `from` lazily, under the id still in the slot
    WriteFiberIdentity(to);
    FiberSwitch(&from.ctx, &to.ctx, nullptr);
    // Back on `from`'s stack: whoever switched here wrote our identity into the slots.
    watchdog_->NoteProgress();
    GT_CHECK(!isolate_->IsInUse(), "a fiber is switched into only after its giver has left the isolate");
    for (; entries > 0; entries--) isolate_->Enter();
  }
#if V8_MAJOR_VERSION >= 13
  if (from.stack_limit != 0) isolate_->SetStackLimit(from.stack_limit);
#endif
}

Coroutine* Engine::FiberFinishTarget(Coroutine* co, int32_t successor) {
  Coroutine* target = successor >= 0 && !tearing_down_ ? Lookup(successor) : nullptr;
  if (target == nullptr || target == co || co->finish_kind_ != FinishKind::kReturned ||
      (target->state_ != CoroutineState::kCreated && target->state_ != CoroutineState::kParked)) {
    return nullptr;  // to the hub, which frees `co` when its Resume returns
  }
  EngineStatus status;
  if (!BindStack(target, &status)) return nullptr;  // the hub tries again and learns why
  retired_ = co;  // freed (stack released) by the successor, once off this stack
  running_ = target;
  return target;
}

void FiberHost::Start(void* arg, void* /*value*/) { static_cast<FiberHost*>(arg)->Main(); }

void FiberHost::Main() {
  Engine* const e = engine;
  v8::Isolate* const isolate = e->isolate_;
  Coroutine* next = nullptr;
  {
    e->watchdog_->NoteProgress();
    GT_CHECK(!isolate->IsInUse(), "a fiber starts only after its giver has left the isolate");
    isolate->Enter();
    v8::Locker locker(isolate);  // a recycled or new ThreadId: V8 initialises fresh state
    if (side.thread_id == 0) e->fiber_thread_ids_++;
    side.thread_id = e->ReadThreadIdSlot();
    side.stack_limit = stack.low() + Engine::kNativeStackReserve;
    isolate->SetStackLimit(side.stack_limit);
    for (;;) {
      Coroutine* const co = job;
      e->FreeRetired();
      const int32_t successor = co->RunEntry(isolate);
      // A terminated V8 thread is not reused. Any other host stays, idle, until reused or aged
      // (Engine::DecayIdle).
      const bool stay = co->finish_kind_ != FinishKind::kTerminated && !e->tearing_down_;
      next = e->FiberFinishTarget(co, successor);
      if (!stay) break;
      // Park between green threads, handing control on exactly as a finish does: whoever
      // takes it frees `co` and puts this host in the idle pool (ReleaseStack). From here on
      // `co` is gone.
      {
        // Switching back in runs V8 code that may make handles (V8 >= 13 restoring the thread).
        v8::HandleScope handle_scope(isolate);
        e->FiberHandOff(side, next != nullptr ? next->host_->side : e->hub_side_);
      }
      next = nullptr;
      if (exit_requested) break;  // teardown (EndIdleHosts): back to the hub
    }
    isolate->Exit();
  }  // ~Locker: V8 frees this ThreadId's state and unlocks
  // This stack is done with V8: its ThreadId (and the per-thread data V8 keeps under it, see
  // the essay above) goes to the next new host.
  e->free_thread_ids_.push_back(side.thread_id);
  exited = true;
  FiberSide& to = next != nullptr ? next->host_->side : e->hub_side_;
  e->WriteFiberIdentity(to);
  // Last act: the next holder releases this host (and its stack) once we are off it.
  FiberSwitch(&side.ctx, &to.ctx, nullptr);
  GT_CHECK(false, "a host that left V8 is never switched into again");
  __builtin_trap();
}

}  // namespace greenthread
