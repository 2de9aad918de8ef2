// The fiber backend's load-time self-check: finds, in the running Node binary, the private V8
// slots a fiber switch will have to read and write, and proves them right against live values
// without writing anything. Read-only and side-effect free as far as V8's state goes; nothing
// calls it at load (see fiber-offsets.cc for what each slot is and how it is found).
#pragma once

#include <v8.h>

#include <cstdint>
#include <string>
#include <vector>

namespace greenthread {

// Where the private state lives in this binary. TLS offsets are relative to the x86-64 thread
// pointer (%fs:0); object offsets are byte offsets into the named C++ object. -1 (or 0 for the
// TLS ones, which are always negative) means "not found", which only a failed check leaves.
struct FiberOffsets {
  int32_t thread_id_tls = 0;     // v8::internal::(anon)::thread_id, an int (the ThreadId)
  int32_t stack_start_tls = 0;   // v8::base::(anon)::thread_stack_start, a uintptr_t
  int32_t thread_manager = -1;   // i::Isolate::thread_manager_ (ThreadManager*)
  int32_t mutex_owner = -1;      // ThreadManager::mutex_owner_ (a ThreadId, int)
  int32_t heap = -1;             // i::Isolate::heap_ (an embedded i::Heap)
  int32_t heap_stack_holder = -1;  // in i::Heap: pointer to the object holding the stack start
  int32_t heap_stack_start = -1;   // in that object: the conservative-scan stack start
  int32_t stack_size = -1;       // i::Isolate::stack_size_ (V8 >= 13 only; -1 before)
  // Second opinion from the ELF .symtab of /proc/self/exe; false when it has no .symtab.
  bool elf_symtab = false;
  int32_t elf_thread_id_tls = 0;
  int32_t elf_stack_start_tls = 0;
};

struct FiberSelfCheck {
  bool ok = false;
  std::string failed_check;  // the name of the first check that failed; empty when ok
  std::string reason;        // "<check>: what was expected and what was found"; empty when ok
  FiberOffsets offsets;      // complete when ok; what was found so far otherwise
};

// The last check, the canary, is run by the engine (Engine::RunFiberCanary), not by
// RunFiberSelfCheck: a probe fiber's first switches, checked at every step.
inline constexpr const char kFiberCanaryCheck[] = "canary";

// Whether GREENTHREAD_FIBER_SELFCHECK_FAIL names `check` (read at every call).
bool FiberCheckForced(const char* check);

// Every check's name, in the order they run. GREENTHREAD_FIBER_SELFCHECK_FAIL=<name> makes
// that one fail (a name that is not here fails the check as a whole, saying so).
const std::vector<const char*>& FiberSelfCheckNames();

// Runs the self-check for the calling thread, which must hold `isolate` (entered and locked:
// any JavaScript callback qualifies). The decoding part runs once per process; the live part
// on every call, since the values it compares are this thread's. Never crashes: every code
// byte and every word of memory it reads is first proven mapped and readable.
FiberSelfCheck RunFiberSelfCheck(v8::Isolate* isolate);

}  // namespace greenthread
