// The JavaScript face of the engine, one instance per Node environment (main thread and every
// Worker). Deliberately thin: unwrap arguments, call the engine, turn a status into an error.
// Validation, defaults and user-facing messages live in TypeScript (src/engine/).
//
// Every `code` thrown here is the `code` of a class in src/errors.ts (test/engine/codes.test.ts
// checks): the ones a user can meet get that class from src/engine/engine.ts; a refusal that
// only a bug in greenthread can cause carries InternalError's code, with its own message.
//
// Written against V8's API rather than Node-API: the engine needs v8::Locker and the isolate's
// stack limit, which Node-API cannot reach, and resume/yield sit on the hot path of every
// switch, where Node-API's extra indirection would be measurable.
#include <node.h>
#include <v8.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include "binding/blocking-detection.h"
#include "engine/engine.h"
#include "engine/fiber-offsets.h"
#include "engine/v8-versions.h"

namespace greenthread {
namespace {

using v8::FunctionCallbackInfo;
using v8::Isolate;
using v8::Local;
using v8::Value;

Engine* EngineOf(const FunctionCallbackInfo<Value>& info) {
  return static_cast<Engine*>(ExternalValue(info.Data().As<v8::External>()));
}

void ThrowStatus(Isolate* isolate, EngineStatus status, int os_error) {
  const char* message = "greenthread internal error: unknown engine status";
  const char* code = "ERR_GREENTHREAD_INTERNAL";
  switch (status) {
    case EngineStatus::kNotOnHub:
      message = "greenthread internal error: only the hub may resume a green thread";
      code = "ERR_GREENTHREAD_INTERNAL";
      break;
    case EngineStatus::kNotInCoroutine:
      message = "yield called outside a green thread";
      code = "ERR_GREENTHREAD_NOT_IN_GREEN_THREAD";
      break;
    case EngineStatus::kBadCoroutine:
      message = "greenthread internal error: no such green thread, or it cannot be resumed in its state";
      code = "ERR_GREENTHREAD_INTERNAL";
      break;
    case EngineStatus::kThreadLimit:
      message = "the operating system refused a new thread";
      code = "ERR_GREENTHREAD_THREAD_LIMIT";
      break;
    case EngineStatus::kShuttingDown:
      message = "this environment is shutting down";
      code = "ERR_GREENTHREAD_SHUTTING_DOWN";
      break;
    case EngineStatus::kOk:
      break;
  }
  Local<v8::Context> context = isolate->GetCurrentContext();
  std::string text = message;
  if (os_error != 0) text = text + ": " + std::strerror(os_error);
  Local<Value> error = v8::Exception::Error(
      v8::String::NewFromUtf8(isolate, text.c_str()).ToLocalChecked());
  Local<v8::Object> object = error.As<v8::Object>();
  object->Set(context, v8::String::NewFromUtf8Literal(isolate, "code"),
              v8::String::NewFromUtf8(isolate, code).ToLocalChecked()).Check();
  if (os_error != 0) {
    object->Set(context, v8::String::NewFromUtf8Literal(isolate, "errno"),
                v8::Integer::New(isolate, os_error)).Check();
  }
  isolate->ThrowException(error);
}

// create(entry: (id: number) => number): number
void Create(const FunctionCallbackInfo<Value>& info) {
  Engine* engine = EngineOf(info);
  EngineStatus status = EngineStatus::kOk;
  int32_t id = engine->Create(info[0].As<v8::Function>(), &status);
  if (status != EngineStatus::kOk) {
    ThrowStatus(info.GetIsolate(), status, engine->last_os_error());
    return;
  }
  info.GetReturnValue().Set(id);
}

// resume(id: number): number  (ResumeOutcome: 0 the coroutine that handed the baton back
// yielded, 1 it finished; plus 2 when idle fiber stacks now await decay, see decayIdle)
void Resume(const FunctionCallbackInfo<Value>& info) {
  Engine* engine = EngineOf(info);
  EngineStatus status = EngineStatus::kOk;
  v8::Maybe<ResumeOutcome> outcome = engine->Resume(info[0].As<v8::Int32>()->Value(), &status);
  if (status != EngineStatus::kOk) {
    ThrowStatus(info.GetIsolate(), status, status == EngineStatus::kThreadLimit ? engine->last_os_error() : 0);
    return;
  }
  if (outcome.IsJust()) {
    info.GetReturnValue().Set(static_cast<int32_t>(outcome.FromJust()) | (engine->TakeDecayRequest() ? 2 : 0));
  }
}

// decayIdle(budget: number): boolean  (one step of the idle fiber stacks' decay, at most
// `budget` of them trimmed or ended; true while more steps are wanted)
void DecayIdle(const FunctionCallbackInfo<Value>& info) {
  const int32_t budget = info[0].As<v8::Int32>()->Value();
  info.GetReturnValue().Set(EngineOf(info)->DecayIdle(budget > 0 ? static_cast<size_t>(budget) : 0));
}

// yield(expectSoon: boolean): void
void Yield(const FunctionCallbackInfo<Value>& info) {
  Engine* engine = EngineOf(info);
  EngineStatus status = EngineStatus::kOk;
  engine->Yield(info[0]->IsTrue(), &status);
  if (status != EngineStatus::kOk) ThrowStatus(info.GetIsolate(), status, 0);
}

// switchTo(id: number, expectSoon: boolean): void  (like yield)
void SwitchTo(const FunctionCallbackInfo<Value>& info) {
  Engine* engine = EngineOf(info);
  EngineStatus status = EngineStatus::kOk;
  engine->SwitchTo(info[0].As<v8::Int32>()->Value(), info[1]->IsTrue(), &status);
  if (status != EngineStatus::kOk) {
    ThrowStatus(info.GetIsolate(), status, status == EngineStatus::kThreadLimit ? engine->last_os_error() : 0);
  }
}

// discard(id: number): void
void Discard(const FunctionCallbackInfo<Value>& info) {
  EngineStatus status = EngineOf(info)->Discard(info[0].As<v8::Int32>()->Value());
  if (status != EngineStatus::kOk) ThrowStatus(info.GetIsolate(), status, 0);
}

// prod(id: number): void  (hint: about to be resumed)
void Prod(const FunctionCallbackInfo<Value>& info) {
  EngineOf(info)->Prod(info[0].As<v8::Int32>()->Value());
}

// setStackSize(bytes: number): void  (validated in TypeScript)
void SetStackSize(const FunctionCallbackInfo<Value>& info) {
  EngineOf(info)->set_stack_size(static_cast<size_t>(info[0].As<v8::Number>()->Value()));
}

// getStackSize(): number
void GetStackSize(const FunctionCallbackInfo<Value>& info) {
  info.GetReturnValue().Set(static_cast<double>(EngineOf(info)->stack_size()));
}

// stats(): { liveCoroutines, idleThreads, liveThreads, threadsStarted }
void Stats(const FunctionCallbackInfo<Value>& info) {
  Isolate* isolate = info.GetIsolate();
  Engine* engine = EngineOf(info);
  Local<v8::Context> context = isolate->GetCurrentContext();
  Local<v8::Object> out = v8::Object::New(isolate);
  auto put = [&](const char* key, double value) {
    out->Set(context, v8::String::NewFromUtf8(isolate, key).ToLocalChecked(),
             v8::Number::New(isolate, value)).Check();
  };
  put("liveCoroutines", static_cast<double>(engine->live_coroutines()));
  put("idleThreads", static_cast<double>(engine->pool().idle_count()));
  put("liveThreads", static_cast<double>(engine->pool().live_count()));
  put("threadsStarted", static_cast<double>(engine->pool().started_count()));
  put("lastOsError", static_cast<double>(engine->last_os_error()));
  put("fiberStacks", static_cast<double>(engine->fiber_stacks_in_use()));
  put("fiberStacksPooled", static_cast<double>(engine->fiber_stacks_ready()));
  put("fiberThreadIds", static_cast<double>(engine->fiber_thread_ids()));
  info.GetReturnValue().Set(out);
}

// fiberSelfCheck(): { ok, check, reason, checks, offsets }  (internal: the fiber backend's
// load-time self-check, run only when called; reads V8's private state, writes none of it)
void FiberSelfCheckMethod(const FunctionCallbackInfo<Value>& info) {
  Isolate* isolate = info.GetIsolate();
  Local<v8::Context> context = isolate->GetCurrentContext();
  const FiberSelfCheck result = RunFiberSelfCheck(isolate);
  auto key = [&](const char* name) { return v8::String::NewFromUtf8(isolate, name).ToLocalChecked(); };
  auto text = [&](const std::string& value) -> Local<Value> {
    if (value.empty()) return v8::Null(isolate);
    return v8::String::NewFromUtf8(isolate, value.c_str()).ToLocalChecked();
  };
  auto number = [&](int64_t value) -> Local<Value> {
    return v8::Number::New(isolate, static_cast<double>(value));
  };
  const FiberOffsets& o = result.offsets;
  Local<v8::Object> offsets = v8::Object::New(isolate);
  auto put = [&](Local<v8::Object> object, const char* name, Local<Value> value) {
    object->Set(context, key(name), value).Check();
  };
  put(offsets, "threadIdTls", number(o.thread_id_tls));
  put(offsets, "stackStartTls", number(o.stack_start_tls));
  put(offsets, "threadManager", number(o.thread_manager));
  put(offsets, "mutexOwner", number(o.mutex_owner));
  put(offsets, "heap", number(o.heap));
  put(offsets, "heapStackHolder", number(o.heap_stack_holder));
  put(offsets, "heapStackStart", number(o.heap_stack_start));
  put(offsets, "stackSize", o.stack_size >= 0 ? number(o.stack_size) : v8::Null(isolate).As<Value>());
  put(offsets, "elfThreadIdTls", o.elf_symtab ? number(o.elf_thread_id_tls) : v8::Null(isolate).As<Value>());
  put(offsets, "elfStackStartTls", o.elf_symtab ? number(o.elf_stack_start_tls) : v8::Null(isolate).As<Value>());
  const std::vector<const char*>& names = FiberSelfCheckNames();
  Local<v8::Array> checks = v8::Array::New(isolate, static_cast<int>(names.size()));
  for (uint32_t i = 0; i < names.size(); i++) checks->Set(context, i, key(names[i])).Check();
  Local<v8::Object> out = v8::Object::New(isolate);
  put(out, "ok", v8::Boolean::New(isolate, result.ok));
  put(out, "check", text(result.failed_check));
  put(out, "reason", text(result.reason));
  put(out, "checks", checks);
  put(out, "offsets", offsets);
  info.GetReturnValue().Set(out);
}

// backend(): { backend: 'fibers' | 'threads', requested, fallbackReason }  (which engine backend
// this environment runs, choosing it now if nothing has yet; fallbackReason says why fibers
// are not used when they were asked for or are the default)
void Backend(const FunctionCallbackInfo<Value>& info) {
  Isolate* isolate = info.GetIsolate();
  Engine* engine = EngineOf(info);
  engine->EnsureBackend();
  Local<v8::Context> context = isolate->GetCurrentContext();
  auto str = [&](const std::string& value) -> Local<Value> {
    return v8::String::NewFromUtf8(isolate, value.c_str()).ToLocalChecked();
  };
  Local<v8::Object> out = v8::Object::New(isolate);
  out->Set(context, str("backend"), str(engine->fibers() ? "fibers" : "threads")).Check();
  Local<Value> requested = v8::Null(isolate);
  if (engine->backend_request() == Engine::BackendRequest::kFibers) requested = str("fibers");
  if (engine->backend_request() == Engine::BackendRequest::kThreads) requested = str("threads");
  out->Set(context, str("requested"), requested).Check();
  out->Set(context, str("fallbackReason"),
           engine->fallback_reason().empty() ? v8::Null(isolate).As<Value>() : str(engine->fallback_reason())).Check();
  info.GetReturnValue().Set(out);
}

// selectBackend(name: 'fibers' | 'threads' | 'default'): true, or an error message  (validated
// in TypeScript; configure({ backend }))
void SelectBackend(const FunctionCallbackInfo<Value>& info) {
  Isolate* isolate = info.GetIsolate();
  Engine* engine = EngineOf(info);
  const v8::String::Utf8Value name(isolate, info[0]);
  Engine::BackendRequest request = Engine::BackendRequest::kDefault;
  if (*name != nullptr && std::strcmp(*name, "fibers") == 0) request = Engine::BackendRequest::kFibers;
  if (*name != nullptr && std::strcmp(*name, "threads") == 0) request = Engine::BackendRequest::kThreads;
  std::string error;
  if (engine->SelectBackend(request, &error)) {
    info.GetReturnValue().Set(true);
  } else {
    info.GetReturnValue().Set(v8::String::NewFromUtf8(isolate, error.c_str()).ToLocalChecked());
  }
}

void Cleanup(void* arg) {
  Engine* engine = static_cast<Engine*>(arg);
  engine->Teardown();
  delete engine;
}

}  // namespace
}  // namespace greenthread

NODE_MODULE_INIT(/* exports, module, context */) {
  using namespace greenthread;
  // The isolate that is loading us is the current one; Context::GetIsolate is gone in V8 14.
  v8::Isolate* isolate = v8::Isolate::GetCurrent();
  // V8's WebAssembly code GC refuses to run while any thread state is archived, which is what
  // a parked green thread is: it aborts the process ("archived threads in combination with
  // wasm not supported") the first time tiered-up wasm code (fetch's HTTP parser, for one)
  // is collected. Turning the code GC off (process-wide, read by V8 at each collection
  // trigger) keeps superseded wasm code alive instead: a bounded cost, at most one extra copy
  // of each function that tiered up.
  v8::V8::SetFlagsFromString("--no-wasm-code-gc");
  Engine* engine = new Engine(isolate, context);
  // The backend asked for; chosen when first needed (Engine::EnsureBackend), on this thread.
  // configure({ backend }) may ask again before the first green thread.
  if (const char* backend = std::getenv("GREENTHREAD_BACKEND"); backend != nullptr && *backend != '\0') {
    if (std::strcmp(backend, "fibers") == 0) {
      engine->RequestBackend(Engine::BackendRequest::kFibers);
    } else if (std::strcmp(backend, "threads") == 0) {
      engine->RequestBackend(Engine::BackendRequest::kThreads);
    } else {
      engine->RequestBackend(Engine::BackendRequest::kThreads,
                             std::string("GREENTHREAD_BACKEND=") + backend + " names no backend (fibers, threads)");
    }
  }
  node::AddEnvironmentCleanupHook(isolate, Cleanup, engine);
  v8::Local<v8::External> data = NewExternal(isolate, engine);
  auto method = [&](const char* name, v8::FunctionCallback callback) {
    v8::Local<v8::Function> fn = v8::FunctionTemplate::New(isolate, callback, data)
                                     ->GetFunction(context)
                                     .ToLocalChecked();
    v8::Local<v8::String> key = v8::String::NewFromUtf8(isolate, name).ToLocalChecked();
    fn->SetName(key);
    exports->Set(context, key, fn).Check();
  };
  method("create", Create);
  method("resume", Resume);
  method("decayIdle", DecayIdle);
  method("yield", Yield);
  method("switchTo", SwitchTo);
  method("discard", Discard);
  method("prod", Prod);
  method("setStackSize", SetStackSize);
  method("getStackSize", GetStackSize);
  method("stats", Stats);
  method("fiberSelfCheck", FiberSelfCheckMethod);
  method("backend", Backend);
  method("selectBackend", SelectBackend);
  InitBlockingDetection(isolate, context, exports, engine);
  exports->Set(context, v8::String::NewFromUtf8Literal(isolate, "defaultStackSize"),
               v8::Number::New(isolate, static_cast<double>(Engine::kDefaultStackSize))).Check();
  exports->Set(context, v8::String::NewFromUtf8Literal(isolate, "minStackSize"),
               v8::Number::New(isolate, static_cast<double>(Engine::kMinStackSize))).Check();
  exports->Set(context, v8::String::NewFromUtf8Literal(isolate, "maxStackSize"),
               v8::Number::New(isolate, static_cast<double>(Engine::kMaxStackSize))).Check();
}
