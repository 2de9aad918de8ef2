// The continuation-preserved embedder data (CPED) slot: where Node 24 keeps the current
// AsyncContextFrame, i.e. every AsyncLocalStorage store. V8 keeps it per isolate, not per
// thread, so the engine saves it for whichever side gives up the isolate and restores it for
// whichever side takes it back. This header is the one place that knows which V8 has what.
#pragma once

#include <v8.h>

namespace greenthread {

#if V8_MAJOR_VERSION >= 12
// V8 12+ (Node 22, 24): the slot lives on the isolate and Node may use it.
constexpr bool kHasAsyncContextData = true;
inline v8::Local<v8::Value> GetAsyncContextData(v8::Isolate* isolate) {
  return isolate->GetContinuationPreservedEmbedderData();
}
inline void SetAsyncContextData(v8::Isolate* isolate, v8::Local<v8::Value> data) {
  isolate->SetContinuationPreservedEmbedderData(data);
}
#else
// V8 11 (Node 20): Node keeps async context in async_hooks only; nothing to carry.
constexpr bool kHasAsyncContextData = false;
inline v8::Local<v8::Value> GetAsyncContextData(v8::Isolate* isolate) {
  return v8::Undefined(isolate);
}
inline void SetAsyncContextData(v8::Isolate*, v8::Local<v8::Value>) {}
#endif

}  // namespace greenthread
