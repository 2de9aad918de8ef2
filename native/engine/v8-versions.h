// Which V8 has what: the one place native/ selects by V8 version (Node 20 = V8 11, 22 = 12,
// 24 = 13, 26 = 14). Everything else is written against APIs all supported V8s share.
#pragma once

#include <v8.h>

namespace greenthread {

// The continuation-preserved embedder data (CPED) slot: where Node 24 keeps the current
// AsyncContextFrame, i.e. every AsyncLocalStorage store. V8 keeps it per isolate, not per
// thread, so the engine saves it for whichever side gives up the isolate and restores it for
// whichever side takes it back.

#if V8_MAJOR_VERSION >= 14
// V8 14 (Node 26): the slot holds any v8::Data; the Value-typed accessors are deprecated and
// Node itself uses the V2 ones.
using AsyncContextData = v8::Data;
constexpr bool kHasAsyncContextData = true;
inline v8::Local<AsyncContextData> GetAsyncContextData(v8::Isolate* isolate) {
  return isolate->GetContinuationPreservedEmbedderDataV2();
}
inline void SetAsyncContextData(v8::Isolate* isolate, v8::Local<AsyncContextData> data) {
  isolate->SetContinuationPreservedEmbedderDataV2(data);
}
#elif V8_MAJOR_VERSION >= 12
// V8 12, 13 (Node 22, 24): the slot lives on the isolate and Node may use it.
using AsyncContextData = v8::Value;
constexpr bool kHasAsyncContextData = true;
inline v8::Local<AsyncContextData> GetAsyncContextData(v8::Isolate* isolate) {
  return isolate->GetContinuationPreservedEmbedderData();
}
inline void SetAsyncContextData(v8::Isolate* isolate, v8::Local<AsyncContextData> data) {
  isolate->SetContinuationPreservedEmbedderData(data);
}
#else
// V8 11 (Node 20): Node keeps async context in async_hooks only; nothing to carry.
using AsyncContextData = v8::Value;
constexpr bool kHasAsyncContextData = false;
inline v8::Local<AsyncContextData> GetAsyncContextData(v8::Isolate* isolate) {
  return v8::Undefined(isolate);
}
inline void SetAsyncContextData(v8::Isolate*, v8::Local<AsyncContextData>) {}
#endif

// A C++ pointer carried as a JavaScript value (the binding's per-function data). V8 14 tags
// every external pointer with a type and deprecates the untagged calls; we have one kind of
// external only, so the default tag.
#if V8_MAJOR_VERSION >= 14
inline v8::Local<v8::External> NewExternal(v8::Isolate* isolate, void* pointer) {
  return v8::External::New(isolate, pointer, v8::kExternalPointerTypeTagDefault);
}
inline void* ExternalValue(v8::Local<v8::External> external) {
  return external->Value(v8::kExternalPointerTypeTagDefault);
}
#else
inline v8::Local<v8::External> NewExternal(v8::Isolate* isolate, void* pointer) {
  return v8::External::New(isolate, pointer);
}
inline void* ExternalValue(v8::Local<v8::External> external) { return external->Value(); }
#endif

}  // namespace greenthread
