// Finding V8's private per-thread state in the running binary, and proving it found it.
//
// WHY. The fiber backend (issue 10) runs several JavaScript stacks on one OS thread. V8 keys
// its per-thread state (the archived ThreadLocalTop, handle scopes, debugger state) by a
// ThreadId that it keeps in a C++ `thread_local`, and trusts a cached "start of this thread's
// stack" for the conservative stack scan and, from V8 13 on, for the CHECKed
// `Isolate::IsOnCentralStack()` (every GC on V8 13, every throw on V8 14). A fiber switch must
// therefore rewrite both per-thread slots for the target stack (between `Unlocker` and
// `Locker`), and none of them is reachable through V8's API. Their places differ in every build
// (the four supported Nodes disagree on all of them). A wrong guess corrupts V8 silently, so the
// backend may run only where this self-check passed; anywhere else it falls back to the thread
// backend with `reason` as the explanation. This file only finds and checks; it writes nothing.
//
// THE SLOTS (research note fibers-feasibility.md, §1-2 and §4):
//  * thread_id_tls — `v8::internal::(anon)::thread_id`, the int V8 lazily allocates a ThreadId
//    into (ThreadId::GetCurrentThreadId). The switch sets it to the target fiber's id, so that
//    `Locker` restores that fiber's archived state.
//  * stack_start_tls — `v8::base::(anon)::thread_stack_start`, the cache behind
//    `base::Stack::GetStackStart()`. Forged per switch: `Isolate::Enter` copies it into the
//    heap, and V8 >= 13 measures the central-stack window from it.
//  * thread_manager / mutex_owner — `i::Isolate::thread_manager_` and the ThreadId that holds
//    the isolate's lock. Read only, to prove the ThreadId slot is the one V8 compares.
//  * heap / heap_stack_holder / heap_stack_start — where `Heap::SetStackStart` stores the
//    conservative scan's start. Read only, to prove `Enter` consumed the (forged) stack start.
//  * stack_size — `i::Isolate::stack_size_` (V8 >= 13): per isolate, not per thread, set by
//    `SetStackLimit` to `GetStackStart() - limit`; the backend re-applies limits per switch and
//    the runtime canary reads it to emulate `IsOnCentralStack()`.
//
// HOW THEY ARE FOUND. Only from public, exported entry points, by exact instruction shapes
// (x86-64; the tables below), starting at the function and following only the calls the shape
// names: `v8::Locker::IsLocked` (thread_manager_, mutex_owner_, and the call to
// `ThreadId::GetCurrentThreadId`, whose first instruction is `mov %fs:<thread_id>,%eax`),
// `v8::base::Stack::GetStackStart` (`mov %fs:<thread_stack_start>,%rax`), `v8::Isolate::Enter`
// (→ `i::Isolate::Enter` → `Heap::SetStackStart`) and `v8::Isolate::SetStackLimit` (a tail call
// on V8 11/12; on V8 >= 13 it stores `GetStackStart() - limit` into stack_size_). Bytes that
// match no known shape fail closed: no scanning, no guessing. Every code byte is read only after
// /proc/self/maps showed it mapped executable.
//
// HOW THEY ARE CHECKED (in order; the first failure is the reason; `FiberSelfCheckNames`):
// the platform (x86-64 Linux), no shadow stack (CET: a register-swapping switch breaks it), V8
// linked into the executable (its TLS is then the executable's static block), the four decodes,
// both TLS offsets inside the executable's PT_TLS block, the ELF `.symtab` of /proc/self/exe
// (when it has one) naming the same TLS offsets; then, live on the calling thread: the ThreadId
// slot is non-zero and equals mutex_owner_ read through the decoded offsets, `Locker::IsLocked`
// agrees (so V8's own GetCurrentThreadId() names the same id), a fresh OS thread's slot is 0 and
// becomes a new id exactly when V8 allocates one, the exported `ThreadManager::CurrentId` (V8
// 11/12) agrees, the stack-start slot equals `GetStackStart()` and lies inside this thread's
// stack above sp, the heap's field equals it, and stack_size_ (V8 >= 13) is plausible and
// places sp inside the emulated central-stack window. Memory is read only inside the static
// TLS block, or at addresses /proc/self/maps shows readable (the isolate and what it points to).
// The fresh-thread check makes V8 allocate one ThreadId for that thread, as any thread calling
// the public API would; nothing else is written. `ThreadManager::CurrentId` is called only once
// its code is known to be exactly a call of the decoded GetCurrentThreadId.
//
// TESTING THE FALLBACKS. GREENTHREAD_FIBER_SELFCHECK_FAIL=<check name> makes that check fail as
// if it had found a mismatch (read at every call), so each fallback path can be exercised on a
// machine where everything passes; a name that is no check fails the whole check, saying so.
//
// ADDING A NODE VERSION. Disassemble the four entry points in the new binary (`objdump -d
// --start-address=$(nm node | grep <symbol>)`); if a shape differs, add it to the table with the
// V8 version in its name. Run test/engine/fiber-selfcheck.test.ts under that Node (scripts/
// test-matrix.js) after adding its row of expected offsets, which must agree with the ELF
// `.symtab` (`readelf -s` + PT_TLS) and with the research table's method. A failure message
// names the entry point and dumps the bytes it could not match.
#include "engine/fiber-offsets.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#if defined(__x86_64__) && defined(__linux__)
#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>
#define GREENTHREAD_FIBER_PLATFORM 1
#else
#define GREENTHREAD_FIBER_PLATFORM 0
#endif

namespace greenthread {
namespace {

constexpr const char* kForceEnv = "GREENTHREAD_FIBER_SELFCHECK_FAIL";

// The checks, in the order they run.
constexpr const char* kPlatform = "platform";
constexpr const char* kShadowStack = "shadow-stack";
constexpr const char* kV8InExecutable = "v8-in-executable";
constexpr const char* kDecodeThreadId = "decode-thread-id";
constexpr const char* kDecodeStackStart = "decode-stack-start";
constexpr const char* kDecodeHeapStackStart = "decode-heap-stack-start";
constexpr const char* kDecodeStackSize = "decode-stack-size";
constexpr const char* kTlsBounds = "tls-bounds";
constexpr const char* kElfSymtab = "elf-symtab";
constexpr const char* kThreadIdLive = "thread-id-live";
constexpr const char* kLockerAgrees = "locker-agrees";
constexpr const char* kFreshThread = "thread-id-fresh-thread";
constexpr const char* kCurrentId = "thread-manager-current-id";
constexpr const char* kStackStartLive = "stack-start-live";
constexpr const char* kHeapStackStartLive = "heap-stack-start-live";
constexpr const char* kStackSizeLive = "stack-size-live";
// Run by the engine (engine-fiber.cc), not here: listed so that it can be forced too.
constexpr const char* kCanary = kFiberCanaryCheck;

std::string Hex(int64_t value) {
  char text[32];
  if (value < 0) {
    std::snprintf(text, sizeof text, "-0x%llx", static_cast<unsigned long long>(-value));
  } else {
    std::snprintf(text, sizeof text, "0x%llx", static_cast<unsigned long long>(value));
  }
  return text;
}

std::string Dec(int64_t value) { return std::to_string(value); }

// Records the checks in order; the first failure (real, or forced through kForceEnv) wins and
// every later Check returns false without looking.
class Checker {
 public:
  Checker(FiberSelfCheck* result, const char* forced) : result_(result), forced_(forced) {}
  bool failed() const { return !result_->failed_check.empty(); }
  // `detail` says what was expected and what was found; used only if the check fails.
  bool Check(const char* name, bool pass, const std::string& detail) {
    if (failed()) return false;
    if (forced_ != nullptr && std::strcmp(forced_, name) == 0) {
      return Fail(name, std::string("forced to fail by ") + kForceEnv);
    }
    return pass || Fail(name, detail);
  }
  bool Fail(const char* name, const std::string& detail) {
    if (failed()) return false;
    result_->failed_check = name;
    result_->reason = std::string(name) + ": " + detail;
    return false;
  }

 private:
  FiberSelfCheck* result_;
  const char* forced_;
};

#if GREENTHREAD_FIBER_PLATFORM

// Any object offset decoded from code beyond this is not a field of i::Isolate, i::Heap or
// ThreadManager as any supported V8 lays them out (i::Isolate is ~70 KiB on V8 14).
constexpr int64_t kMaxObjectOffset = 1 << 20;
// V8 >= 13's IsOnCentralStack() allows this much below the limit (kStackLimitSlackForDeoptimization
// and friends; research §4).
constexpr uintptr_t kCentralStackSlack = 40 * 1024;

// Exported entry points the decoding starts from.
constexpr const char* kIsLockedSymbol = "_ZN2v86Locker8IsLockedEPNS_7IsolateE";
constexpr const char* kGetStackStartSymbol = "_ZN2v84base5Stack13GetStackStartEv";
constexpr const char* kEnterSymbol = "_ZN2v87Isolate5EnterEv";
constexpr const char* kSetStackLimitSymbol = "_ZN2v87Isolate13SetStackLimitEm";
constexpr const char* kCurrentIdSymbol = "_ZN2v88internal13ThreadManager9CurrentIdEv";
// The TLS variables as the ELF .symtab names them.
constexpr const char* kThreadIdTlsSymbol = "_ZN2v88internal12_GLOBAL__N_19thread_idE";
constexpr const char* kStackStartTlsSymbol = "_ZN2v84base12_GLOBAL__N_118thread_stack_startE";

inline char* ThreadPointer() {
  char* tp;
  asm volatile("movq %%fs:0, %0" : "=r"(tp));
  return tp;
}

inline uintptr_t CurrentSp() {
  uintptr_t sp;
  asm volatile("movq %%rsp, %0" : "=r"(sp));
  return sp;
}

// A snapshot of /proc/self/maps: what may be read (and what is code) at the time it was taken.
class MemoryMap {
 public:
  bool Load() {
    int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    std::string text;
    char buffer[16384];
    for (;;) {
      ssize_t n = read(fd, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      text.append(buffer, static_cast<size_t>(n));
    }
    close(fd);
    size_t at = 0;
    while (at < text.size()) {
      size_t end = text.find('\n', at);
      if (end == std::string::npos) end = text.size();
      const char* line = text.c_str() + at;
      char* rest = nullptr;
      uintptr_t lo = std::strtoull(line, &rest, 16);
      if (rest != nullptr && *rest == '-') {
        uintptr_t hi = std::strtoull(rest + 1, &rest, 16);
        if (rest != nullptr && *rest == ' ' && rest + 4 < text.c_str() + end) {
          ranges_.push_back({lo, hi, rest[1] == 'r', rest[3] == 'x'});
        }
      }
      at = end + 1;
    }
    return !ranges_.empty();
  }
  bool Readable(uintptr_t address, size_t length) const { return Covered(address, length, false); }
  bool Executable(uintptr_t address, size_t length) const { return Covered(address, length, true); }

 private:
  struct Range {
    uintptr_t lo, hi;
    bool readable, executable;
  };
  // True if [address, address + length) lies in contiguous readable (and, if asked, executable)
  // mappings. /proc/self/maps lists ranges in address order.
  bool Covered(uintptr_t address, size_t length, bool executable) const {
    if (address == 0 || address + length < address) return false;
    uintptr_t need = address;
    const uintptr_t end = address + length;
    for (const Range& r : ranges_) {
      if (r.hi <= need) continue;
      if (r.lo > need || !r.readable || (executable && !r.executable)) return false;
      need = r.hi;
      if (need >= end) return true;
    }
    return false;
  }
  std::vector<Range> ranges_;
};

template <typename T>
T Load(uintptr_t address) {
  T value;
  std::memcpy(&value, reinterpret_cast<const void*>(address), sizeof value);
  return value;
}

// --- Exact instruction shapes ---------------------------------------------------------------
//
// A shape is a byte pattern: two hex digits match that byte, `??` any byte, `<name:1>` /
// `<name:4>` capture a signed 8/32-bit displacement, `<name:rel>` a rel32 branch target
// (absolute). An optional leading endbr64 is skipped. A shape is named after the V8 versions
// it was seen in.
struct Shape {
  const char* name;
  const char* pattern;
};

// v8::Locker::IsLocked(Isolate*): thread_manager_->mutex_owner_ == GetCurrentThreadId()
constexpr Shape kIsLockedShapes[] = {
    {"V8 11.3/12.4/13.6",
     "55 48 89 e5 53 48 83 ec 08 48 8b 9f <tm:4> e8 <tid_fn:rel> 8b 53 <owner:1>"},
    {"V8 14.6", "55 48 89 e5 53 50 48 8b 87 <tm:4> 8b 58 <owner:1> e8 <tid_fn:rel>"},
};
// i::ThreadId::GetCurrentThreadId(): mov %fs:<tid>,%eax ; test %eax,%eax
constexpr Shape kGetCurrentThreadIdShapes[] = {
    {"V8 11.3-14.6", "64 8b 04 25 <tid:4> 85 c0"},
};
// i::ThreadManager::CurrentId() (exported by V8 11/12 only): return GetCurrentThreadId()
constexpr Shape kCurrentIdShapes[] = {
    {"V8 11.3/12.4", "55 48 89 e5 e8 <fn:rel> 5d c3"},
};
// v8::base::Stack::GetStackStart(): mov %fs:<ss>,%rax ; test %rax,%rax
constexpr Shape kGetStackStartShapes[] = {
    {"V8 11.3-14.6", "64 48 8b 04 25 <ss:4> 48 85 c0"},
};
// v8::Isolate::Enter(): a tail call to i::Isolate::Enter
constexpr Shape kEnterThunkShapes[] = {
    {"V8 11.3-13.6", "e9 <enter:rel>"},
    {"V8 14.6", "55 48 89 e5 5d e9 <enter:rel>"},
};
// i::Isolate::Enter(): heap()->SetStackStart(...) first thing
constexpr Shape kIsolateEnterShapes[] = {
    {"V8 11.3", "55 48 89 e5 41 56 41 55 41 54 53 48 89 fb 64 4c 8b 24 25 ?? ?? ?? ?? "
                "e8 <gss:rel> 48 8d bb <heap:4> 48 89 c6 e8 <sss:rel>"},
    {"V8 12.4", "55 48 89 e5 41 57 41 56 41 55 41 54 53 48 89 fb 48 83 ec 18 64 4c 8b 24 25 ?? ?? ?? ?? "
                "e8 <gss:rel> 48 8d bb <heap:4> 48 89 c6 e8 <sss:rel>"},
    {"V8 13.6", "55 48 89 e5 41 57 41 56 41 55 41 54 53 48 89 fb 48 81 c7 <heap:4> 48 83 ec 28 "
                "64 4c 8b 24 25 ?? ?? ?? ?? e8 <sss:rel>"},
    {"V8 14.6", "55 48 89 e5 41 57 41 56 41 54 53 48 89 fb 64 4c 8b 3c 25 ?? ?? ?? ?? "
                "48 81 c7 <heap:4> e8 <sss:rel>"},
};
// i::Heap::SetStackStart: holder = *(heap + holder) ; holder->field = start
constexpr Shape kHeapSetStackStartShapes[] = {
    {"V8 11.3", "48 8b 47 <holder:1> 0f b6 15 ?? ?? ?? ?? 48 89 b0 <field:4>"},
    {"V8 12.4", "48 8b 87 <holder:4> 48 85 c0 74 ?? 48 89 b0 <field:4>"},
    {"V8 13.6", "55 48 89 e5 53 48 83 ec 08 48 8b 9f <holder:4> 48 85 db 74 ?? e8 <gss:rel> 48 89 83 <field:4>"},
    {"V8 14.6", "55 48 89 e5 53 50 48 8b 9f <holder:4> 48 85 db 74 ?? e8 <gss:rel> 48 89 83 <field:4>"},
};
// v8::Isolate::SetStackLimit(uintptr_t): V8 11/12 tail-call StackGuard::SetStackLimit; V8 >= 13
// then store GetStackStart() - limit into stack_size_.
constexpr Shape kSetStackLimitShapes[] = {
    {"V8 11.3/12.4 (no stack_size_)", "48 85 f6 74 ?? 48 83 c7 08 e9 <sg:rel>"},
    {"V8 13.6", "55 48 89 e5 41 54 53 48 85 f6 74 ?? 49 89 fc 48 8d 7f 08 48 89 f3 "
                "e8 <sg:rel> e8 <gss:rel> 48 29 d8 49 89 84 24 <size:4>"},
    {"V8 14.6", "55 48 89 e5 41 56 53 48 85 f6 74 ?? 49 89 f6 48 89 fb 48 83 c7 08 "
                "e8 <sg:rel> e8 <gss:rel> 4c 29 f0 48 89 83 <size:4>"},
};

class Captures {
 public:
  void Clear() { count_ = 0; }
  void Add(const char* name, size_t length, int64_t value) {
    if (count_ < kMax) items_[count_++] = {std::string(name, length), value};
  }
  bool Has(const char* name) const { return Find(name) != nullptr; }
  int64_t Get(const char* name) const {
    const Item* item = Find(name);
    return item != nullptr ? item->value : 0;
  }

 private:
  struct Item {
    std::string name;
    int64_t value;
  };
  const Item* Find(const char* name) const {
    for (size_t i = 0; i < count_; i++) {
      if (items_[i].name == name) return &items_[i];
    }
    return nullptr;
  }
  static constexpr size_t kMax = 8;
  Item items_[kMax];
  size_t count_ = 0;
};

// Walks `pattern`; with `code` null only measures it (returns its length in bytes), otherwise
// also compares it against the bytes at `code` and fills `captures`. Returns -1 on a mismatch.
int64_t WalkPattern(const char* pattern, const uint8_t* code, Captures* captures) {
  int64_t at = 0;
  const char* p = pattern;
  while (*p != '\0') {
    if (*p == ' ') {
      p++;
      continue;
    }
    if (*p == '<') {
      const char* colon = std::strchr(p, ':');
      const char* close = std::strchr(p, '>');
      const char* kind = colon + 1;
      size_t width = *kind == '1' ? 1 : 4;
      if (code != nullptr) {
        int64_t value;
        if (width == 1) {
          value = static_cast<int8_t>(code[at]);
        } else {
          int32_t d32;
          std::memcpy(&d32, code + at, 4);
          value = d32;
          // A branch target is relative to the end of the instruction, where rel32 always ends.
          if (*kind == 'r') value += reinterpret_cast<intptr_t>(code + at + 4);
        }
        captures->Add(p + 1, static_cast<size_t>(colon - p - 1), value);
      }
      at += static_cast<int64_t>(width);
      p = close + 1;
      continue;
    }
    if (code != nullptr && !(p[0] == '?' && p[1] == '?')) {
      unsigned expected = static_cast<unsigned>(std::strtoul(std::string(p, 2).c_str(), nullptr, 16));
      if (code[at] != expected) return -1;
    }
    at++;
    p += 2;
  }
  return at;
}

// Matches one of `shapes` at `address` (an executable mapping, checked here). Returns the shape,
// or null with `*detail` saying which bytes matched none.
template <size_t N>
const Shape* MatchShape(const MemoryMap& memory, uintptr_t address, const Shape (&shapes)[N], const char* what,
                        Captures* captures, std::string* detail) {
  const uint8_t* code = reinterpret_cast<const uint8_t*>(address);
  static constexpr uint8_t kEndbr64[] = {0xf3, 0x0f, 0x1e, 0xfa};
  if (memory.Executable(address, 4) && std::memcmp(code, kEndbr64, 4) == 0) code += 4;
  size_t longest = 0;
  for (const Shape& shape : shapes) {
    size_t length = static_cast<size_t>(WalkPattern(shape.pattern, nullptr, nullptr));
    if (length > longest) longest = length;
    if (!memory.Executable(reinterpret_cast<uintptr_t>(code), length)) continue;
    captures->Clear();
    if (WalkPattern(shape.pattern, code, captures) >= 0) return &shape;
  }
  std::string bytes;
  for (size_t i = 0; i < longest && memory.Executable(reinterpret_cast<uintptr_t>(code) + i, 1); i++) {
    char hex[4];
    std::snprintf(hex, sizeof hex, i == 0 ? "%02x" : " %02x", code[i]);
    bytes.append(hex);
  }
  *detail = std::string(what) + " at " + Hex(static_cast<int64_t>(address)) + " matches no known shape (" +
            std::to_string(N) + " known); its first bytes are " + (bytes.empty() ? "not mapped" : bytes);
  return nullptr;
}

// --- The executable's static TLS block and ELF .symtab ---------------------------------------

struct MainProgram {
  bool found = false;
  uintptr_t bias = 0;
  std::vector<std::pair<uintptr_t, uintptr_t>> loads;  // PT_LOAD ranges in memory
  uint64_t tls_memsz = 0, tls_align = 0;                // PT_TLS, 0 if none
  bool Contains(uintptr_t address) const {
    for (const auto& [lo, hi] : loads) {
      if (address >= lo && address < hi) return true;
    }
    return false;
  }
  // Size of the executable's TLS block, which ends at the thread pointer (x86-64 variant II).
  int64_t tls_block() const {
    uint64_t align = tls_align != 0 ? tls_align : 1;
    return static_cast<int64_t>((tls_memsz + align - 1) / align * align);
  }
};

int OnFirstObject(struct dl_phdr_info* info, size_t, void* data) {
  MainProgram* main = static_cast<MainProgram*>(data);
  main->found = true;
  main->bias = info->dlpi_addr;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type == PT_LOAD) main->loads.emplace_back(info->dlpi_addr + ph.p_vaddr, info->dlpi_addr + ph.p_vaddr + ph.p_memsz);
    if (ph.p_type == PT_TLS) {
      main->tls_memsz = ph.p_memsz;
      main->tls_align = ph.p_align;
    }
  }
  return 1;  // the first object dl_iterate_phdr reports is the main program
}

bool ReadAt(int fd, void* buffer, size_t length, uint64_t offset) {
  char* out = static_cast<char*>(buffer);
  while (length > 0) {
    ssize_t n = pread(fd, out, length, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    out += n;
    length -= static_cast<size_t>(n);
    offset += static_cast<uint64_t>(n);
  }
  return true;
}

// Reads the two TLS symbols from /proc/self/exe's .symtab into `offsets`. Returns false with
// `*detail` on a failure; true with offsets->elf_symtab false when the file has no .symtab.
bool ReadElfTlsOffsets(const MainProgram& main, FiberOffsets* offsets, std::string* detail) {
  int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *detail = std::string("cannot open /proc/self/exe: ") + std::strerror(errno);
    return false;
  }
  struct Closer {
    int fd;
    ~Closer() { close(fd); }
  } closer{fd};
  Elf64_Ehdr eh;
  if (!ReadAt(fd, &eh, sizeof eh, 0) || std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
      eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_machine != EM_X86_64 || eh.e_phentsize != sizeof(Elf64_Phdr) ||
      (eh.e_shnum != 0 && eh.e_shentsize != sizeof(Elf64_Shdr))) {
    *detail = "/proc/self/exe is not an x86-64 ELF64 executable";
    return false;
  }
  std::vector<Elf64_Phdr> phdrs(eh.e_phnum);
  if (!ReadAt(fd, phdrs.data(), phdrs.size() * sizeof(Elf64_Phdr), eh.e_phoff)) {
    *detail = "cannot read /proc/self/exe's program headers";
    return false;
  }
  uint64_t memsz = 0, align = 0;
  for (const Elf64_Phdr& ph : phdrs) {
    if (ph.p_type == PT_TLS) {
      memsz = ph.p_memsz;
      align = ph.p_align;
    }
  }
  if (memsz != main.tls_memsz || align != main.tls_align) {
    *detail = "/proc/self/exe's PT_TLS (size " + Dec(static_cast<int64_t>(memsz)) + ", align " +
              Dec(static_cast<int64_t>(align)) + ") is not the running executable's (size " +
              Dec(static_cast<int64_t>(main.tls_memsz)) + ", align " + Dec(static_cast<int64_t>(main.tls_align)) + ")";
    return false;
  }
  std::vector<Elf64_Shdr> shdrs(eh.e_shnum);
  if (!shdrs.empty() && !ReadAt(fd, shdrs.data(), shdrs.size() * sizeof(Elf64_Shdr), eh.e_shoff)) {
    *detail = "cannot read /proc/self/exe's section headers";
    return false;
  }
  const Elf64_Shdr* symtab = nullptr;
  for (const Elf64_Shdr& sh : shdrs) {
    if (sh.sh_type == SHT_SYMTAB) symtab = &sh;
  }
  if (symtab == nullptr) return true;  // stripped: no second opinion to be had
  if (symtab->sh_link >= shdrs.size() || symtab->sh_entsize != sizeof(Elf64_Sym)) {
    *detail = "/proc/self/exe's .symtab is malformed";
    return false;
  }
  const Elf64_Shdr& strtab = shdrs[symtab->sh_link];
  const int64_t block = main.tls_block();
  const size_t count = symtab->sh_size / sizeof(Elf64_Sym);
  const size_t name_room = std::strlen(kStackStartTlsSymbol) + 1;
  std::vector<Elf64_Sym> chunk(4096);
  for (size_t first = 0; first < count; first += chunk.size()) {
    size_t n = std::min(chunk.size(), count - first);
    if (!ReadAt(fd, chunk.data(), n * sizeof(Elf64_Sym), symtab->sh_offset + first * sizeof(Elf64_Sym))) {
      *detail = "cannot read /proc/self/exe's .symtab";
      return false;
    }
    for (size_t i = 0; i < n; i++) {
      const Elf64_Sym& sym = chunk[i];
      if (ELF64_ST_TYPE(sym.st_info) != STT_TLS || sym.st_name >= strtab.sh_size) continue;
      char name[64] = {0};
      size_t length = std::min<uint64_t>(name_room, strtab.sh_size - sym.st_name);
      if (!ReadAt(fd, name, length, strtab.sh_offset + sym.st_name)) continue;
      int32_t offset = static_cast<int32_t>(static_cast<int64_t>(sym.st_value) - block);
      if (std::strcmp(name, kThreadIdTlsSymbol) == 0) offsets->elf_thread_id_tls = offset;
      if (std::strcmp(name, kStackStartTlsSymbol) == 0) offsets->elf_stack_start_tls = offset;
    }
  }
  offsets->elf_symtab = true;
  if (offsets->elf_thread_id_tls == 0 || offsets->elf_stack_start_tls == 0) {
    *detail = std::string("/proc/self/exe has a .symtab but no TLS symbol ") +
              (offsets->elf_thread_id_tls == 0 ? kThreadIdTlsSymbol : kStackStartTlsSymbol) +
              " (an unknown V8 layout)";
    return false;
  }
  return true;
}

// --- The decoding part, once per process -----------------------------------------------------

struct StaticCheck {
  const char* name;
  bool pass;
  std::string detail;
};

struct Decoded {
  FiberOffsets offsets;
  std::vector<StaticCheck> checks;  // in order; ends at the first failure
  MainProgram main;
  uintptr_t is_locked = 0, get_stack_start = 0;
  uintptr_t current_id = 0;        // ThreadManager::CurrentId when exported and of a known shape
  std::string current_id_problem;  // why an exported CurrentId may not be called
  bool ok() const { return !checks.empty() && checks.back().pass; }
};

// Runs the static checks in order, one entry per check, stopping at the first that fails
// (everything after it depends on it).
Decoded Decode() {
  Decoded d;
  FiberOffsets& o = d.offsets;
  auto fail = [&](const char* name, std::string detail) {
    d.checks.push_back({name, false, std::move(detail)});
    return d;
  };
  auto pass = [&](const char* name) { d.checks.push_back({name, true, std::string()}); };
  MemoryMap memory;
  if (!memory.Load()) return fail(kV8InExecutable, "cannot read /proc/self/maps");

  // V8 must be linked into the executable: then its thread_locals live in the executable's
  // static TLS block, at fixed offsets from %fs (a libnode.so build would put them elsewhere).
  dl_iterate_phdr(OnFirstObject, &d.main);
  const char* const symbols[] = {kIsLockedSymbol, kGetStackStartSymbol, kEnterSymbol, kSetStackLimitSymbol};
  uintptr_t address[4];
  for (int i = 0; i < 4; i++) {
    address[i] = reinterpret_cast<uintptr_t>(dlsym(RTLD_DEFAULT, symbols[i]));
    if (address[i] == 0) return fail(kV8InExecutable, std::string("V8 does not export ") + symbols[i]);
    if (!d.main.found || !d.main.Contains(address[i])) {
      return fail(kV8InExecutable, std::string(symbols[i]) + " at " + Hex(static_cast<int64_t>(address[i])) +
                                       " is not in the main executable (V8 in a shared library?)");
    }
  }
  if (d.main.tls_memsz == 0) return fail(kV8InExecutable, "the main executable has no PT_TLS segment");
  pass(kV8InExecutable);
  d.is_locked = address[0];
  d.get_stack_start = address[1];

  // The ThreadId slot, thread_manager_ and mutex_owner_, from Locker::IsLocked.
  Captures c;
  std::string detail;
  if (!MatchShape(memory, d.is_locked, kIsLockedShapes, "v8::Locker::IsLocked", &c, &detail)) {
    return fail(kDecodeThreadId, detail);
  }
  o.thread_manager = static_cast<int32_t>(c.Get("tm"));
  o.mutex_owner = static_cast<int32_t>(c.Get("owner"));
  const uintptr_t tid_fn = static_cast<uintptr_t>(c.Get("tid_fn"));
  if (!MatchShape(memory, tid_fn, kGetCurrentThreadIdShapes, "ThreadId::GetCurrentThreadId (called by IsLocked)", &c,
                  &detail)) {
    return fail(kDecodeThreadId, detail);
  }
  o.thread_id_tls = static_cast<int32_t>(c.Get("tid"));
  if (o.thread_manager <= 0 || o.thread_manager >= kMaxObjectOffset || o.mutex_owner < 0 || o.thread_id_tls >= 0) {
    return fail(kDecodeThreadId, "implausible: thread_manager_ at isolate+" + Hex(o.thread_manager) +
                                     ", mutex_owner_ at +" + Hex(o.mutex_owner) + ", ThreadId at %fs" +
                                     Hex(o.thread_id_tls));
  }
  pass(kDecodeThreadId);
  // A third source for the live check, called only once its code is known to be exactly
  // `return ThreadId::GetCurrentThreadId()` (the call decoded above).
  if (uintptr_t current_id = reinterpret_cast<uintptr_t>(dlsym(RTLD_DEFAULT, kCurrentIdSymbol))) {
    if (!MatchShape(memory, current_id, kCurrentIdShapes, "v8::internal::ThreadManager::CurrentId", &c, &detail)) {
      d.current_id_problem = detail;
    } else if (static_cast<uintptr_t>(c.Get("fn")) != tid_fn) {
      d.current_id_problem = "ThreadManager::CurrentId calls " + Hex(c.Get("fn")) + ", not GetCurrentThreadId at " +
                             Hex(static_cast<int64_t>(tid_fn));
    } else {
      d.current_id = current_id;
    }
  }

  // The stack-start slot, from base::Stack::GetStackStart.
  if (!MatchShape(memory, d.get_stack_start, kGetStackStartShapes, "v8::base::Stack::GetStackStart", &c, &detail)) {
    return fail(kDecodeStackStart, detail);
  }
  o.stack_start_tls = static_cast<int32_t>(c.Get("ss"));
  if (o.stack_start_tls >= 0) return fail(kDecodeStackStart, "implausible: %fs" + Hex(o.stack_start_tls));
  pass(kDecodeStackStart);

  // The heap's stack start, from Isolate::Enter -> i::Isolate::Enter -> Heap::SetStackStart.
  // Where a shape calls GetStackStart, the call must go to the exported one.
  auto calls_get_stack_start = [&](const char* who) {
    if (!c.Has("gss") || static_cast<uintptr_t>(c.Get("gss")) == d.get_stack_start) return true;
    detail = std::string(who) + " calls " + Hex(c.Get("gss")) + " where GetStackStart (" +
             Hex(static_cast<int64_t>(d.get_stack_start)) + ") was expected";
    return false;
  };
  if (!MatchShape(memory, address[2], kEnterThunkShapes, "v8::Isolate::Enter", &c, &detail)) {
    return fail(kDecodeHeapStackStart, detail);
  }
  const uintptr_t enter = static_cast<uintptr_t>(c.Get("enter"));
  if (!MatchShape(memory, enter, kIsolateEnterShapes, "v8::internal::Isolate::Enter", &c, &detail) ||
      !calls_get_stack_start("v8::internal::Isolate::Enter")) {
    return fail(kDecodeHeapStackStart, detail);
  }
  o.heap = static_cast<int32_t>(c.Get("heap"));
  const uintptr_t set_stack_start = static_cast<uintptr_t>(c.Get("sss"));
  if (!MatchShape(memory, set_stack_start, kHeapSetStackStartShapes, "v8::internal::Heap::SetStackStart", &c,
                  &detail) ||
      !calls_get_stack_start("v8::internal::Heap::SetStackStart")) {
    return fail(kDecodeHeapStackStart, detail);
  }
  o.heap_stack_holder = static_cast<int32_t>(c.Get("holder"));
  o.heap_stack_start = static_cast<int32_t>(c.Get("field"));
  if (o.heap <= 0 || o.heap >= kMaxObjectOffset || o.heap_stack_holder < 0 || o.heap_stack_holder >= kMaxObjectOffset ||
      o.heap_stack_start < 0 || o.heap_stack_start >= kMaxObjectOffset) {
    return fail(kDecodeHeapStackStart, "implausible: heap at isolate+" + Hex(o.heap) + ", holder at heap+" +
                                           Hex(o.heap_stack_holder) + ", field at holder+" + Hex(o.heap_stack_start));
  }
  pass(kDecodeHeapStackStart);

  // stack_size_, from Isolate::SetStackLimit; present exactly from V8 13 on.
  const Shape* shape = MatchShape(memory, address[3], kSetStackLimitShapes, "v8::Isolate::SetStackLimit", &c, &detail);
  if (shape == nullptr || !calls_get_stack_start("v8::Isolate::SetStackLimit")) return fail(kDecodeStackSize, detail);
  if (c.Has("size")) o.stack_size = static_cast<int32_t>(c.Get("size"));
  constexpr bool kExpectStackSize = V8_MAJOR_VERSION >= 13;
  if (kExpectStackSize != (o.stack_size >= 0)) {
    return fail(kDecodeStackSize, std::string("V8 ") + Dec(V8_MAJOR_VERSION) + (kExpectStackSize ? " must" : " must not") +
                                      " have Isolate::stack_size_, but SetStackLimit has the shape of " + shape->name);
  }
  if (o.stack_size == 0 || o.stack_size >= kMaxObjectOffset) {
    return fail(kDecodeStackSize, "implausible: stack_size_ at isolate+" + Hex(o.stack_size));
  }
  pass(kDecodeStackSize);

  // Both slots inside the executable's static TLS block (which ends at the thread pointer).
  const int64_t block = d.main.tls_block();
  const int64_t block_end = -block + static_cast<int64_t>(d.main.tls_memsz);
  auto inside = [&](int64_t offset, int64_t size) {
    return offset >= -block && offset + size <= block_end && offset % size == 0;
  };
  if (!inside(o.thread_id_tls, sizeof(int32_t)) || !inside(o.stack_start_tls, sizeof(uintptr_t))) {
    return fail(kTlsBounds, "ThreadId at %fs" + Hex(o.thread_id_tls) + " (4 bytes) and stack start at %fs" +
                                Hex(o.stack_start_tls) + " (8 bytes) must lie, aligned, in the static TLS block [%fs" +
                                Hex(-block) + ", %fs" + Hex(block_end) + ")");
  }
  pass(kTlsBounds);

  // Second opinion: the ELF .symtab's TLS symbols, when there is a .symtab.
  if (!ReadElfTlsOffsets(d.main, &o, &detail)) return fail(kElfSymtab, detail);
  if (o.elf_symtab && (o.elf_thread_id_tls != o.thread_id_tls || o.elf_stack_start_tls != o.stack_start_tls)) {
    return fail(kElfSymtab, "the .symtab puts thread_id at %fs" + Hex(o.elf_thread_id_tls) +
                                " and thread_stack_start at %fs" + Hex(o.elf_stack_start_tls) +
                                "; the code decode found %fs" + Hex(o.thread_id_tls) + " and %fs" +
                                Hex(o.stack_start_tls));
  }
  pass(kElfSymtab);
  return d;
}

// A fact about the binary, not engine state: the same for every isolate and Worker, so built
// once (thread-safe static initialisation) and never changed afterwards.
const Decoded& DecodeOnce() {
  static const Decoded decoded = Decode();
  return decoded;
}

// --- The live part, on the calling thread ------------------------------------------------------

// CET shadow stacks: a switch that swaps stacks by `ret` would fault. Both what the kernel says
// of this thread and the arch_prctl query (kernels >= 6.6; EINVAL before, i.e. not enabled).
bool ShadowStackOff(std::string* detail) {
  constexpr int kArchShstkStatus = 0x5005;
  unsigned long long features = 0;
  if (syscall(SYS_arch_prctl, kArchShstkStatus, &features) == 0 && (features & 1) != 0) {
    *detail = "arch_prctl(ARCH_SHSTK_STATUS) reports a shadow stack on this thread";
    return false;
  }
  int fd = open("/proc/thread-self/status", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return true;
  char buffer[8192];
  ssize_t n = read(fd, buffer, sizeof buffer - 1);
  close(fd);
  if (n <= 0) return true;
  buffer[n] = '\0';
  const char* line = std::strstr(buffer, "x86_Thread_features:");
  if (line == nullptr) return true;
  const char* end = std::strchr(line, '\n');
  std::string text(line, end != nullptr ? static_cast<size_t>(end - line) : std::strlen(line));
  if (text.find("shstk") != std::string::npos) {
    *detail = "/proc/thread-self/status says \"" + text + "\"";
    return false;
  }
  return true;
}

// A brand-new OS thread: its ThreadId slot must read 0, and must hold a new id once V8 has
// allocated one (Locker::IsLocked calls GetCurrentThreadId).
struct FreshThread {
  v8::Isolate* isolate;
  int32_t offset;
  int32_t before = -1, after = -1;
  bool locked = true;
};

void* RunFreshThread(void* arg) {
  FreshThread* t = static_cast<FreshThread*>(arg);
  t->before = Load<int32_t>(reinterpret_cast<uintptr_t>(ThreadPointer()) + t->offset);
  t->locked = v8::Locker::IsLocked(t->isolate);
  t->after = Load<int32_t>(reinterpret_cast<uintptr_t>(ThreadPointer()) + t->offset);
  return nullptr;
}

void LiveChecks(const Decoded& d, v8::Isolate* isolate, Checker* checker) {
  const FiberOffsets& o = d.offsets;
  MemoryMap memory;
  const uintptr_t iso = reinterpret_cast<uintptr_t>(isolate);
  const uintptr_t tp = reinterpret_cast<uintptr_t>(ThreadPointer());
  if (!checker->Check(kThreadIdLive, memory.Load(), "cannot read /proc/self/maps")) return;

  // The ThreadId slot holds the id that owns the isolate's lock.
  const int32_t tid = Load<int32_t>(tp + o.thread_id_tls);
  const uintptr_t manager_field = iso + static_cast<uintptr_t>(o.thread_manager);
  if (!checker->Check(kThreadIdLive, memory.Readable(manager_field, 8),
                      "isolate+" + Hex(o.thread_manager) + " (thread_manager_) is not readable memory")) {
    return;
  }
  const uintptr_t manager = Load<uintptr_t>(manager_field);
  const uintptr_t owner_field = manager + static_cast<uintptr_t>(o.mutex_owner);
  if (!checker->Check(kThreadIdLive, memory.Readable(owner_field, 4),
                      "thread_manager_ = " + Hex(static_cast<int64_t>(manager)) + " does not point to readable memory")) {
    return;
  }
  const int32_t owner = Load<int32_t>(owner_field);
  if (!checker->Check(kThreadIdLive, tid > 0 && owner == tid,
                      "expected the ThreadId slot (%fs" + Hex(o.thread_id_tls) + ") to hold mutex_owner_ (isolate+" +
                          Hex(o.thread_manager) + " -> +" + Hex(o.mutex_owner) + ") = " + Dec(owner) +
                          " (> 0), found " + Dec(tid))) {
    return;
  }
  // V8's own view: IsLocked compares mutex_owner_ with GetCurrentThreadId().
  if (!checker->Check(kLockerAgrees, v8::Locker::IsLocked(isolate),
                      "v8::Locker::IsLocked() is false on the thread running JavaScript, while mutex_owner_ = " +
                          Dec(owner) + " = the ThreadId slot")) {
    return;
  }

  // A fresh thread's slot: 0, then the id V8 allocates for it.
  FreshThread fresh{isolate, o.thread_id_tls};
  pthread_t thread;
  // Joined before anything is checked: the thread writes into `fresh`, on this stack.
  int error = pthread_create(&thread, nullptr, RunFreshThread, &fresh);
  if (error == 0) pthread_join(thread, nullptr);
  if (!checker->Check(kFreshThread, error == 0, std::string("pthread_create failed: ") + std::strerror(error))) return;
  if (!checker->Check(kFreshThread, fresh.before == 0 && !fresh.locked && fresh.after > 0 && fresh.after != tid,
                      "expected a new thread's slot to read 0, IsLocked false, then a new id (not " + Dec(tid) +
                          "); found " + Dec(fresh.before) + ", " + (fresh.locked ? "true" : "false") + ", " +
                          Dec(fresh.after))) {
    return;
  }

  // V8 11/12 export ThreadManager::CurrentId(): a third source for the same id.
  if (!checker->Check(kCurrentId, d.current_id_problem.empty(), d.current_id_problem)) return;
  int32_t current = d.current_id != 0 ? reinterpret_cast<int (*)()>(d.current_id)() : tid;
  if (!checker->Check(kCurrentId, current == tid,
                      "ThreadManager::CurrentId() = " + Dec(current) + ", the ThreadId slot = " + Dec(tid))) {
    return;
  }

  // The stack-start slot: what GetStackStart() returns, inside this thread's stack, above sp.
  const uintptr_t slot = Load<uintptr_t>(tp + o.stack_start_tls);
  const uintptr_t start = reinterpret_cast<uintptr_t (*)()>(d.get_stack_start)();
  const uintptr_t sp = CurrentSp();
  pthread_attr_t attr;
  void* stack_low = nullptr;
  size_t stack_size = 0;
  if (pthread_getattr_np(pthread_self(), &attr) == 0) {
    pthread_attr_getstack(&attr, &stack_low, &stack_size);
    pthread_attr_destroy(&attr);
  }
  const uintptr_t low = reinterpret_cast<uintptr_t>(stack_low);
  const uintptr_t top = low + stack_size;
  if (!checker->Check(kStackStartLive, slot == start && sp < slot && slot <= top && low < sp,
                      "expected the stack-start slot (%fs" + Hex(o.stack_start_tls) + ") = GetStackStart() = " +
                          Hex(static_cast<int64_t>(start)) + " with sp " + Hex(static_cast<int64_t>(sp)) +
                          " < it <= the thread's stack top " + Hex(static_cast<int64_t>(top)) + "; found " +
                          Hex(static_cast<int64_t>(slot)))) {
    return;
  }

  // The heap's copy: the last Isolate::Enter on this thread wrote GetStackStart() there.
  const uintptr_t holder_field = iso + static_cast<uintptr_t>(o.heap) + static_cast<uintptr_t>(o.heap_stack_holder);
  if (!checker->Check(kHeapStackStartLive, memory.Readable(holder_field, 8),
                      "isolate+" + Hex(o.heap) + "+" + Hex(o.heap_stack_holder) + " is not readable memory")) {
    return;
  }
  const uintptr_t holder = Load<uintptr_t>(holder_field);
  const uintptr_t field = holder + static_cast<uintptr_t>(o.heap_stack_start);
  if (!checker->Check(kHeapStackStartLive, holder != 0 && memory.Readable(field, 8),
                      "the heap's stack holder " + Hex(static_cast<int64_t>(holder)) + " is not readable memory")) {
    return;
  }
  const uintptr_t heap_start = Load<uintptr_t>(field);
  if (!checker->Check(kHeapStackStartLive, heap_start == start,
                      "expected the heap's stack start (*(isolate+" + Hex(o.heap) + "+" + Hex(o.heap_stack_holder) +
                          ")+" + Hex(o.heap_stack_start) + ") = GetStackStart() = " +
                          Hex(static_cast<int64_t>(start)) + ", found " + Hex(static_cast<int64_t>(heap_start)))) {
    return;
  }

  // V8 >= 13: stack_size_ plausible, and sp inside the window IsOnCentralStack() checks.
  if (o.stack_size < 0) {
    checker->Check(kStackSizeLive, true, "");
    return;
  }
  const uintptr_t size_field = iso + static_cast<uintptr_t>(o.stack_size);
  if (!checker->Check(kStackSizeLive, memory.Readable(size_field, 8),
                      "isolate+" + Hex(o.stack_size) + " is not readable memory")) {
    return;
  }
  const int64_t size = Load<int64_t>(size_field);
  const bool central = size > 0 && static_cast<uint64_t>(size) < start && sp <= start &&
                       sp > start - static_cast<uintptr_t>(size) - kCentralStackSlack;
  checker->Check(kStackSizeLive, central && size < (int64_t{1} << 32),
                 "expected stack_size_ (isolate+" + Hex(o.stack_size) + ") in (0, 4 GiB) with GetStackStart() " +
                     Hex(static_cast<int64_t>(start)) + " - stack_size_ - 40 KiB < sp " +
                     Hex(static_cast<int64_t>(sp)) + "; found stack_size_ = " + Dec(size));
}

#endif  // GREENTHREAD_FIBER_PLATFORM

}  // namespace

const std::vector<const char*>& FiberSelfCheckNames() {
  static const std::vector<const char*> names = {
      kPlatform,         kShadowStack, kV8InExecutable, kDecodeThreadId,  kDecodeStackStart, kDecodeHeapStackStart,
      kDecodeStackSize,  kTlsBounds,   kElfSymtab,      kThreadIdLive,    kLockerAgrees,     kFreshThread,
      kCurrentId,        kStackStartLive, kHeapStackStartLive, kStackSizeLive, kCanary};
  return names;
}

bool FiberCheckForced(const char* check) {
  const char* forced = std::getenv(kForceEnv);
  return forced != nullptr && std::strcmp(forced, check) == 0;
}

FiberSelfCheck RunFiberSelfCheck(v8::Isolate* isolate) {
  FiberSelfCheck result;
  const char* forced = std::getenv(kForceEnv);
  if (forced != nullptr && *forced == '\0') forced = nullptr;
  if (forced != nullptr) {
    bool known = false;
    std::string all;
    for (const char* name : FiberSelfCheckNames()) {
      known = known || std::strcmp(name, forced) == 0;
      if (!all.empty()) all.append(", ");
      all.append(name);
    }
    if (!known) {
      result.failed_check = kForceEnv;
      result.reason = std::string(kForceEnv) + "=" + forced + " names no check (the checks: " + all + ")";
      return result;
    }
  }
  Checker checker(&result, forced);
#if GREENTHREAD_FIBER_PLATFORM
  if (!checker.Check(kPlatform, true, "")) return result;
  std::string detail;
  if (!checker.Check(kShadowStack, ShadowStackOff(&detail), detail)) return result;
  const Decoded& decoded = DecodeOnce();
  result.offsets = decoded.offsets;
  for (const StaticCheck& check : decoded.checks) {
    if (!checker.Check(check.name, check.pass, check.detail)) return result;
  }
  if (!decoded.ok()) {  // unreachable: Decode ends with a failed check or with all passed
    checker.Fail(kElfSymtab, "the decoding stopped early");
    return result;
  }
  LiveChecks(decoded, isolate, &checker);
#else
  checker.Check(kPlatform, false, "the fiber backend runs on x86-64 Linux only; this addon was built for another platform");
#endif
  result.ok = !checker.failed();
  return result;
}

}  // namespace greenthread
