// The loop side of hub.blockingDetection (see blocking-detection.h). A uv_prepare handle runs
// just before the loop waits in poll and marks it idle; a uv_check handle runs just after and
// marks it busy; both count as progress. All three handles are unref'd: they never keep the
// process alive. They exist only once detection was first turned on, and are closed by an
// asynchronous environment cleanup hook (a closed handle needs one more loop turn to be freed,
// which Node gives such hooks before it closes a Worker's loop).
#include "binding/blocking-detection.h"

#include <node.h>
#include <uv.h>

#include <deque>
#include <memory>

#include "engine/blocking-watchdog.h"
#include "engine/v8-versions.h"

namespace greenthread {
namespace {

using v8::FunctionCallbackInfo;
using v8::Isolate;
using v8::Local;
using v8::Value;

struct LoopProbe {
  Isolate* isolate = nullptr;
  Engine* engine = nullptr;  // valid until the engine's cleanup, which runs after ours
  bool handles_open = false;
  bool closed = false;       // cleanup has run: nothing may be opened again
  int closing = 0;
  uv_prepare_t prepare;
  uv_check_t check;
  uv_async_t async;
  v8::Global<v8::Function> listener;
  v8::Global<v8::Context> context;
  node::AsyncCleanupHookHandle cleanup_handle;
  void (*cleanup_done)(void*) = nullptr;
  void* cleanup_done_arg = nullptr;
};

LoopProbe* ProbeOf(const FunctionCallbackInfo<Value>& info) {
  return static_cast<LoopProbe*>(ExternalValue(info.Data().As<v8::External>()));
}

LoopProbe* ProbeOfHandle(uv_handle_t* handle) { return static_cast<LoopProbe*>(handle->data); }

void OnPrepare(uv_prepare_t* handle) {
  ProbeOfHandle(reinterpret_cast<uv_handle_t*>(handle))->engine->watchdog().SetIdle(true);
}

void OnCheck(uv_check_t* handle) {
  ProbeOfHandle(reinterpret_cast<uv_handle_t*>(handle))->engine->watchdog().SetIdle(false);
}

// Called by the watchdog's interrupt callback (no JavaScript allowed there): wake the loop.
void Notify(void* data) {
  LoopProbe* probe = static_cast<LoopProbe*>(data);
  if (probe->handles_open) uv_async_send(&probe->async);
}

// On the loop thread: hand the queued warnings to the JavaScript listener, one call each:
// listener(thresholdSeconds, elapsedSeconds, stack, threadOrNull).
void OnAsync(uv_async_t* handle) {
  LoopProbe* probe = ProbeOfHandle(reinterpret_cast<uv_handle_t*>(handle));
  if (probe->engine == nullptr || probe->listener.IsEmpty()) return;
  Isolate* isolate = probe->isolate;
  std::deque<BlockingWarning> warnings;
  probe->engine->watchdog().TakeWarnings(&warnings);
  if (warnings.empty()) return;
  v8::HandleScope handle_scope(isolate);
  Local<v8::Function> listener = probe->listener.Get(isolate);
  Local<v8::Context> context = probe->context.Get(isolate);
  v8::Context::Scope context_scope(context);
  for (BlockingWarning& warning : warnings) {
    Local<Value> thread = warning.thread.IsEmpty() ? v8::Null(isolate).As<Value>() : warning.thread.Get(isolate);
    Local<Value> argv[] = {
        v8::Number::New(isolate, warning.threshold_seconds),
        v8::Number::New(isolate, warning.elapsed_seconds),
        v8::String::NewFromUtf8(isolate, warning.stack.c_str()).ToLocalChecked(),
        thread,
    };
    // MakeCallback: a top-level call from the loop (async hooks scope, microtasks afterwards).
    // An exception of the listener is Node's to report; it is empty during teardown.
    if (node::MakeCallback(isolate, context->Global(), listener, 4, argv, node::async_context{0, 0}).IsEmpty()) {
      break;
    }
  }
}

void OpenHandles(LoopProbe* probe) {
  if (probe->handles_open || probe->closed) return;
  uv_loop_t* loop = node::GetCurrentEventLoop(probe->isolate);
  if (loop == nullptr) return;
  uv_prepare_init(loop, &probe->prepare);
  uv_check_init(loop, &probe->check);
  uv_async_init(loop, &probe->async, OnAsync);
  for (uv_handle_t* handle : {reinterpret_cast<uv_handle_t*>(&probe->prepare),
                              reinterpret_cast<uv_handle_t*>(&probe->check),
                              reinterpret_cast<uv_handle_t*>(&probe->async)}) {
    handle->data = probe;
    uv_unref(handle);
  }
  probe->handles_open = true;
  probe->engine->watchdog().SetNotify(Notify, probe);
}

void OnClosed(uv_handle_t* handle) {
  LoopProbe* probe = ProbeOfHandle(handle);
  if (--probe->closing > 0) return;
  void (*done)(void*) = probe->cleanup_done;
  void* arg = probe->cleanup_done_arg;
  delete probe;
  done(arg);
}

// Environment cleanup (asynchronous: Node runs the loop until `done` is called).
void Cleanup(void* arg, void (*done)(void*), void* done_arg) {
  LoopProbe* probe = static_cast<LoopProbe*>(arg);
  probe->closed = true;
  probe->listener.Reset();
  probe->context.Reset();
  if (probe->engine != nullptr) {
    probe->engine->watchdog().SetNotify(nullptr, nullptr);
    probe->engine->watchdog().Configure(0);
  }
  probe->engine = nullptr;
  if (!probe->handles_open) {
    delete probe;
    done(done_arg);
    return;
  }
  probe->handles_open = false;
  probe->cleanup_done = done;
  probe->cleanup_done_arg = done_arg;
  probe->closing = 3;
  uv_close(reinterpret_cast<uv_handle_t*>(&probe->prepare), OnClosed);
  uv_close(reinterpret_cast<uv_handle_t*>(&probe->check), OnClosed);
  uv_close(reinterpret_cast<uv_handle_t*>(&probe->async), OnClosed);
}

// blockingDetection(seconds: number /* 0: off */, listener: Function, hub: object): void
// (validated in TypeScript)
void BlockingDetection(const FunctionCallbackInfo<Value>& info) {
  LoopProbe* probe = ProbeOf(info);
  if (probe->engine == nullptr) return;  // tearing down
  const double seconds = info[0].As<v8::Number>()->Value();
  BlockingWatchdog& watchdog = probe->engine->watchdog();
  if (seconds > 0) {
    if (info[1]->IsFunction()) probe->listener.Reset(probe->isolate, info[1].As<v8::Function>());
    if (info[2]->IsObject()) watchdog.SetHub(info[2].As<v8::Object>());
    OpenHandles(probe);
    if (probe->handles_open) {
      uv_prepare_start(&probe->prepare, OnPrepare);
      uv_check_start(&probe->check, OnCheck);
    }
    watchdog.Configure(seconds);
  } else {
    watchdog.Configure(0);
    if (probe->handles_open) {
      uv_prepare_stop(&probe->prepare);
      uv_check_stop(&probe->check);
    }
    watchdog.SetIdle(false);
  }
}

// captureStack(limit: number): string  ("    at ..." lines of the running JavaScript stack)
void CaptureStack(const FunctionCallbackInfo<Value>& info) {
  Isolate* isolate = info.GetIsolate();
  const int limit = info[0]->IsInt32() ? info[0].As<v8::Int32>()->Value() : 10;
  std::string stack = BlockingWatchdog::CurrentStack(isolate, limit < 1 ? 1 : limit);
  info.GetReturnValue().Set(v8::String::NewFromUtf8(isolate, stack.c_str()).ToLocalChecked());
}

}  // namespace

void InitBlockingDetection(Isolate* isolate, Local<v8::Context> context, Local<v8::Object> exports,
                           Engine* engine) {
  LoopProbe* probe = new LoopProbe();
  probe->isolate = isolate;
  probe->engine = engine;
  probe->context.Reset(isolate, context);
  probe->cleanup_handle = node::AddEnvironmentCleanupHook(isolate, Cleanup, probe);
  Local<v8::External> data = NewExternal(isolate, probe);
  auto method = [&](const char* name, v8::FunctionCallback callback) {
    Local<v8::Function> fn = v8::FunctionTemplate::New(isolate, callback, data)->GetFunction(context).ToLocalChecked();
    Local<v8::String> key = v8::String::NewFromUtf8(isolate, name).ToLocalChecked();
    fn->SetName(key);
    exports->Set(context, key, fn).Check();
  };
  method("blockingDetection", BlockingDetection);
  method("captureStack", CaptureStack);
}

}  // namespace greenthread
