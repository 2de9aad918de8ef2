// hub.blockingDetection's ties to Node: the event loop tells the watchdog when it waits in poll
// (idle, not blocking) and when it turns, and warnings reach JavaScript through a uv_async
// handle, since the interrupt callback that takes them cannot run JavaScript.
#pragma once

#include <v8.h>

#include "engine/engine.h"

namespace greenthread {

// Registers the binding's functions on `exports` (blockingDetection, takeBlockingWarnings,
// captureStack) and the environment cleanup that closes the loop handles. Called once per
// environment, after the engine's own cleanup hook was added (so this one runs first).
void InitBlockingDetection(v8::Isolate* isolate, v8::Local<v8::Context> context,
                           v8::Local<v8::Object> exports, Engine* engine);

}  // namespace greenthread
