// The body of a green thread's OS thread: take the isolate, run the entry function, give the
// isolate back for good (see coroutine.h and engine.h for the baton discipline).
#include "engine/coroutine.h"

#include "engine/assert.h"
#include "engine/engine.h"
#include "engine/v8-versions.h"

namespace greenthread {

Coroutine::Coroutine(Engine* engine, int32_t id, size_t stack_size, v8::Local<v8::Function> entry)
    : engine_(engine), id_(id), stack_size_(stack_size), entry_(engine->isolate(), entry) {}

Coroutine::~Coroutine() = default;

OsThread* Coroutine::DetachThread() {
  OsThread* thread = thread_;
  thread_ = nullptr;
  return thread;
}

void Coroutine::RunOnThread(OsThread* thread) {
  Engine* const engine = engine_;
  v8::Isolate* const isolate = engine->isolate_;
  Baton* next_baton;
  {
    // Baton held from here on. Enter first, then lock, as every baton taker does (engine.h,
    // EnterBeforeRestore).
    Baton::NoteHolderCpu(&engine->holder_cpu_);
    engine->watchdog_->NoteProgress();
    GT_CHECK(!isolate->IsInUse(), "the baton arrives only after its giver has left the isolate");
    isolate->Enter();
    v8::Locker locker(isolate);
    // The first Locker on a thread sizes V8's stack guard for a main-thread-sized stack; ours
    // is smaller, so JavaScript gets this stack down to a reserve kept for V8's own C++.
    isolate->SetStackLimit(thread->stack_low + Engine::kNativeStackReserve);
    engine->FreeRetired();
    next_baton = engine->HandOnFinished(this, RunEntry(isolate));
    isolate->Exit();
  }  // Locker: V8 frees this thread's state and unlocks
  // Last act: after this signal the next baton holder may free `this`.
  next_baton->Signal();
}

int32_t Coroutine::RunEntry(v8::Isolate* isolate) {
  Engine* const engine = engine_;
  v8::HandleScope handle_scope(isolate);
  v8::Local<v8::Context> context = engine->context_.Get(isolate);
  v8::Context::Scope context_scope(context);
  GT_CHECK(engine->running_ == this, "a coroutine starts only when it is handed control");
  state_ = CoroutineState::kRunning;
  // Start in the async context of the place that created it, whoever handed over control.
  if (kHasAsyncContextData) engine->RestoreAsyncContextData(async_context_data_);
  v8::Local<v8::Function> entry = entry_.Get(isolate);
  entry_.Reset();

  // Teardown unwinds parked coroutines and discards unstarted ones: it starts none.
  GT_CHECK(!engine->tearing_down_, "teardown starts no coroutine");

  // What the entry returns says where control goes when it is done: a number >= 0 is the id
  // of the coroutine to hand it to, anything else the hub.
  int32_t successor = -1;
  v8::TryCatch try_catch(isolate);
  v8::Local<v8::Value> argv[] = {v8::Integer::New(isolate, id_)};
  v8::MaybeLocal<v8::Value> result = entry->Call(context, v8::Undefined(isolate), 1, argv);
  v8::Local<v8::Value> value;
  if (result.ToLocal(&value)) {
    finish_kind_ = FinishKind::kReturned;
    if (value->IsInt32()) successor = value.As<v8::Int32>()->Value();
  } else if (try_catch.HasTerminated() || !try_catch.CanContinue()) {
    finish_kind_ = FinishKind::kTerminated;
  } else {
    finish_kind_ = FinishKind::kThrew;
    GT_CHECK(engine->thrown_.IsEmpty(), "the hub rethrows a thrown exception before it resumes anyone");
    engine->thrown_.Reset(isolate, try_catch.Exception());
  }
  state_ = CoroutineState::kFinished;
  return successor;
}

}  // namespace greenthread
