// Engine: coroutine table, resume/yield handoffs and teardown (see engine.h).
#include "engine/engine.h"

#include "engine/assert.h"
#include "engine/v8-versions.h"

namespace greenthread {

namespace {
// Idle OS threads kept for reuse; beyond this a finished green thread's thread exits.
constexpr size_t kMaxIdleThreads = 256;
}  // namespace

Engine::Engine(v8::Isolate* isolate, v8::Local<v8::Context> context)
    : isolate_(isolate), context_(isolate, context), watchdog_(new BlockingWatchdog(isolate)),
      pool_(kMaxIdleThreads) {
  if (kHasAsyncContextData) {
    isolate_->AddGCPrologueCallback(HideAsyncContextDataFromGc, this);
    isolate_->AddGCEpilogueCallback(RestoreAsyncContextDataAfterGc, this);
  }
}

Engine::~Engine() {
  if (kHasAsyncContextData) {
    isolate_->RemoveGCPrologueCallback(HideAsyncContextDataFromGc, this);
    isolate_->RemoveGCEpilogueCallback(RestoreAsyncContextDataAfterGc, this);
  }
  for (Coroutine* co : table_) delete co;
  watchdog_->Retire();
}

Coroutine* Engine::Lookup(int32_t id) const {
  if (id < 0 || static_cast<size_t>(id) >= table_.size()) return nullptr;
  return table_[id];
}

void Engine::Free(int32_t id) {
  delete table_[id];
  table_[id] = nullptr;
  free_ids_.push_back(id);
  live_--;
}

int32_t Engine::Create(v8::Local<v8::Function> entry, EngineStatus* status) {
  if (tearing_down_) {
    *status = EngineStatus::kShuttingDown;
    return -1;
  }
  EnsureBackend();
  created_any_ = true;
  int32_t id;
  if (!free_ids_.empty()) {
    id = free_ids_.back();
    free_ids_.pop_back();
  } else {
    id = static_cast<int32_t>(table_.size());
    table_.push_back(nullptr);
  }
  Coroutine* co = new Coroutine(this, id, stack_size_, entry);
  if (kHasAsyncContextData) SaveAsyncContextData(co->async_context_data_);
  table_[id] = co;
  live_++;
  *status = EngineStatus::kOk;
  return id;
}

bool Engine::BindThread(Coroutine* co, EngineStatus* status) {
  if (co->thread_ != nullptr) return true;
  int error = 0;
  OsThread* thread = pool_.Acquire(co->stack_size_, &error);
  if (thread == nullptr) {
    last_os_error_ = error;
    *status = EngineStatus::kThreadLimit;
    return false;
  }
  co->thread_ = thread;
  thread->job = co;
  return true;
}

void Engine::SaveAsyncContextData(v8::Global<AsyncContextData>& slot) {
  // The slot keeps its value after a restore, so an unchanged CPED (the common case: a thread
  // that did not enter a new AsyncLocalStorage scope) costs a comparison, not a new global
  // handle; creating and destroying global handles was most of the switch cost on Node 24.
  v8::Local<AsyncContextData> current = GetAsyncContextData(isolate_);
  if (slot != current) slot.Reset(isolate_, current);
}

void Engine::RestoreAsyncContextData(const v8::Global<AsyncContextData>& slot) {
  SetAsyncContextData(isolate_, slot.Get(isolate_));
}

// The collector visits the CPED slot as part of every thread's roots: V8's
// Isolate::Iterate(RootVisitor*, ThreadLocalTop*) visits it, and ThreadManager::Iterate calls
// that once for each archived thread as well as once for the running one, although the slot
// is the isolate's, not the thread's. A parked green thread (or the hub, while a green thread
// runs) is an archived thread, so with N of them the slot is visited N + 1 times in one
// collection. Marking and pointer updating do not mind, but the scavenger copies a young
// object at each visit: the second visit finds the first copy (young too) and copies it
// again, leaving the first copy, which other references were already updated to, holding a
// forwarding address instead of a map. The heap is then corrupt: the crash comes later, in a
// later scavenge (SizeFromMap, Scavenger::Process), a map lookup, or as a failed access check
// ("no access") when that garbage is read as an object. Seen on Node 22 (with
// --experimental-async-context-frame), 24 and 26 once an AsyncLocalStorage frame made on the
// event loop is carried into a green thread that allocates; jest runs every test inside one.
// So while a collection runs the slot holds undefined, and the frame waits in a global handle,
// which the collector visits exactly once. Only while green threads or idle fiber hosts exist
// (only then are threads archived) and only when the slot holds something: a second engine in the isolate
// (another copy of the addon) then finds undefined and leaves the slot to the first.
void Engine::HideAsyncContextDataFromGc(v8::Isolate* isolate, v8::GCType, v8::GCCallbackFlags, void* data) {
  Engine* engine = static_cast<Engine*>(data);
  if ((engine->live_ == 0 && engine->idle_hosts_.empty()) || !engine->gc_async_context_data_.IsEmpty()) return;
  v8::HandleScope handle_scope(isolate);
  v8::Local<AsyncContextData> current = GetAsyncContextData(isolate);
  if (current.IsEmpty() || (current->IsValue() && current.As<v8::Value>()->IsUndefined())) return;
  engine->gc_async_context_data_.Reset(isolate, current);
  SetAsyncContextData(isolate, v8::Undefined(isolate));
}

void Engine::RestoreAsyncContextDataAfterGc(v8::Isolate* isolate, v8::GCType, v8::GCCallbackFlags, void* data) {
  Engine* engine = static_cast<Engine*>(data);
  if (engine->gc_async_context_data_.IsEmpty()) return;
  v8::HandleScope handle_scope(isolate);
  SetAsyncContextData(isolate, engine->gc_async_context_data_.Get(isolate));
  engine->gc_async_context_data_.Reset();
}

void Engine::HandOff(Baton& to, Baton& mine, bool spin) {
  isolate_->Exit();
  {
    v8::Unlocker unlocker(isolate_);
    to.Signal();  // baton given away: this thread must not touch V8 until Wait returns
    mine.Wait(spin, &holder_cpu_);
    Baton::NoteHolderCpu(&holder_cpu_);
    watchdog_->NoteProgress();  // a switch: whatever ran before has stopped blocking
    // Baton held again. Enter before ~Unlocker takes V8's lock and restores this thread's
    // state (EnterBeforeRestore in engine.h says why, and why that is safe: nobody else is in).
    GT_CHECK(!isolate_->IsInUse(), "the baton arrives only after its giver has left the isolate");
    isolate_->Enter();
  }
}

v8::Maybe<ResumeOutcome> Engine::Resume(int32_t id, EngineStatus* status) {
  using Outcome = v8::Maybe<ResumeOutcome>;
  if (running_ != nullptr) {
    *status = EngineStatus::kNotOnHub;
    return v8::Nothing<ResumeOutcome>();
  }
  Coroutine* co = Lookup(id);
  if (co == nullptr || (co->state_ != CoroutineState::kCreated &&
                        co->state_ != CoroutineState::kParked)) {
    *status = EngineStatus::kBadCoroutine;
    return v8::Nothing<ResumeOutcome>();
  }
  if (!(fibers_ ? BindStack(co, status) : BindThread(co, status))) return v8::Nothing<ResumeOutcome>();
  *status = EngineStatus::kOk;
  if (kHasAsyncContextData) SaveAsyncContextData(hub_async_context_data_);
  running_ = co;
  if (fibers_) {
    FiberHandOff(hub_side_, co->host_->side);
  } else {
    HandOff(co->thread_->baton, hub_baton_, /*spin=*/true);
  }
  // The baton came back from `co` or from a coroutine it (or its successors) switched to.
  Coroutine* back = running_;
  GT_CHECK(back != nullptr, "the baton comes back from a coroutine");
  running_ = nullptr;
  if (kHasAsyncContextData) RestoreAsyncContextData(hub_async_context_data_);
  FreeRetired();
  if (back->state_ != CoroutineState::kFinished) return Outcome(v8::Just(ResumeOutcome::kYielded));

  const FinishKind kind = back->finish_kind_;
  // A coroutine that gave its thread to a successor which then could not start has none.
  if (back->thread_ != nullptr) pool_.Release(back->DetachThread());
  if (fibers_) ReleaseStack(back);
  Free(back->id_);
  switch (kind) {
    case FinishKind::kReturned:
      return Outcome(v8::Just(ResumeOutcome::kFinished));
    case FinishKind::kThrew: {
      v8::Local<v8::Value> exception = thrown_.Get(isolate_);
      thrown_.Reset();
      isolate_->ThrowException(exception);
      return v8::Nothing<ResumeOutcome>();
    }
    case FinishKind::kTerminated:
      // Termination (Worker.terminate(), process.exit() in a Worker) hit the coroutine; it
      // must end the hub's JavaScript too, except while tearing down, when we asked for it.
      if (!tearing_down_) isolate_->TerminateExecution();
      return v8::Nothing<ResumeOutcome>();
  }
  return v8::Nothing<ResumeOutcome>();
}

Baton* Engine::HandOnFinished(Coroutine* co, int32_t successor) {
  Coroutine* target = successor >= 0 && !tearing_down_ ? Lookup(successor) : nullptr;
  if (target == nullptr || target == co || co->finish_kind_ != FinishKind::kReturned ||
      (target->state_ != CoroutineState::kCreated && target->state_ != CoroutineState::kParked)) {
    return &hub_baton_;  // the hub frees `co` when its Resume returns
  }
  // `co` is freed by whoever holds the baton next. Its OS thread is free the moment it
  // unlocks, so a successor that has yet to start gets that very thread (the warmest there
  // is, and no other thread needs waking).
  retired_ = co;
  if (target->thread_ == nullptr) pool_.Release(co->DetachThread());
  running_ = target;
  EngineStatus status;
  if (!BindThread(target, &status)) {
    // The OS refused a thread: back to the hub as an ordinary finish; the hub then tries to
    // start the successor itself and learns of the refusal there.
    retired_ = nullptr;
    running_ = co;
    return &hub_baton_;
  }
  return &target->thread_->baton;
}

void Engine::FreeRetired() {
  Coroutine* co = retired_;
  if (co == nullptr) return;
  retired_ = nullptr;
  if (co->thread_ != nullptr) pool_.Release(co->DetachThread());
  if (fibers_) ReleaseStack(co);
  Free(co->id_);
}

void Engine::Yield(bool expect_soon, EngineStatus* status) {
  Coroutine* co = running_;
  if (co == nullptr) {
    *status = EngineStatus::kNotInCoroutine;
    return;
  }
  *status = EngineStatus::kOk;
  if (kHasAsyncContextData) SaveAsyncContextData(co->async_context_data_);
  co->state_ = CoroutineState::kParked;
  if (fibers_) {
    FiberHandOff(co->host_->side, hub_side_);
  } else {
    HandOff(hub_baton_, co->thread_->baton, expect_soon);
  }
  Resumed(co);
}

void Engine::SwitchTo(int32_t id, bool expect_soon, EngineStatus* status) {
  Coroutine* co = running_;
  if (co == nullptr) {
    *status = EngineStatus::kNotInCoroutine;
    return;
  }
  Coroutine* target = Lookup(id);
  if (target == nullptr || target == co || (target->state_ != CoroutineState::kCreated &&
                                            target->state_ != CoroutineState::kParked)) {
    *status = EngineStatus::kBadCoroutine;
    return;
  }
  if (!(fibers_ ? BindStack(target, status) : BindThread(target, status))) return;
  *status = EngineStatus::kOk;
  if (kHasAsyncContextData) SaveAsyncContextData(co->async_context_data_);
  co->state_ = CoroutineState::kParked;
  running_ = target;
  if (fibers_) {
    FiberHandOff(co->host_->side, target->host_->side);
  } else {
    HandOff(target->thread_->baton, co->thread_->baton, expect_soon);
  }
  Resumed(co);
}

void Engine::Resumed(Coroutine* co) {
  GT_CHECK(running_ == co, "a parked coroutine wakes only when it is handed the baton");
  FreeRetired();
  co->state_ = CoroutineState::kRunning;
  if (kHasAsyncContextData) RestoreAsyncContextData(co->async_context_data_);
  // Teardown resumes a parked coroutine only to unwind it (Teardown).
  if (tearing_down_) isolate_->TerminateExecution();
}

void Engine::Prod(int32_t id) {
  Coroutine* co = Lookup(id);
  // A coroutine that has not started has no thread yet; the pool's warmest one spins anyway.
  if (co != nullptr && co->thread_ != nullptr && co->state_ == CoroutineState::kParked) {
    co->thread_->baton.Prod();
  }
}

EngineStatus Engine::Discard(int32_t id) {
  Coroutine* co = Lookup(id);
  if (co == nullptr || co->state_ != CoroutineState::kCreated) return EngineStatus::kBadCoroutine;
  if (co->thread_ != nullptr) pool_.Release(co->DetachThread());
  if (fibers_) ReleaseStack(co);
  Free(id);
  return EngineStatus::kOk;
}

void Engine::Teardown() {
  GT_CHECK(running_ == nullptr, "teardown runs on the hub thread");
  tearing_down_ = true;
  watchdog_->Configure(0);
  v8::HandleScope handle_scope(isolate_);
  for (size_t i = 0; i < table_.size(); i++) {
    Coroutine* co = table_[i];
    if (co == nullptr) continue;
    const int32_t id = static_cast<int32_t>(i);
    if (co->state_ == CoroutineState::kCreated) {
      Discard(id);
    } else if (co->state_ == CoroutineState::kParked) {
      // Unwind its stack: termination passes every JS frame without running catch or finally
      // blocks, the entry returns and the thread goes back to the pool, which we then end.
      // A coroutine that yields again before V8 notices the termination gets another go.
      for (int attempt = 0; attempt < 3 && table_[i] == co; attempt++) {
        EngineStatus status;
        (void)Resume(id, &status);  // Resumed() terminates it: tearing_down_ is set
      }
    }
  }
  pool_.Shutdown();
  if (fibers_) EndIdleHosts();
  fiber_stacks_.Drain();
}

}  // namespace greenthread
