// BlockingWatchdog: the sampling thread, the interrupt callback that prints the blocking
// stack, and its careful lifetime (see blocking-watchdog.h).
#include "engine/blocking-watchdog.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>

namespace greenthread {

namespace {

using Clock = std::chrono::steady_clock;

// write(2) until done: the warning goes straight to fd 2, bypassing process.stderr, because
// the callback that prints it cannot run JavaScript.
void WriteAll(int fd, const std::string& text) {
  const char* p = text.data();
  size_t left = text.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
}

std::string Utf8(v8::Isolate* isolate, v8::Local<v8::Value> value) {
  if (value.IsEmpty()) return std::string();
  v8::String::Utf8Value text(isolate, value);
  return *text == nullptr ? std::string() : std::string(*text, text.length());
}

// A plain own data property of `object`, read without running JavaScript (no getters, no
// interceptors, no proxies): empty when there is none.
v8::Local<v8::Value> DataProperty(v8::Isolate* isolate, v8::Local<v8::Context> context,
                                  v8::Local<v8::Object> object, const char* name) {
  if (object->IsProxy()) return v8::Local<v8::Value>();
  v8::Local<v8::String> key = v8::String::NewFromUtf8(isolate, name).ToLocalChecked();
  v8::Local<v8::Value> descriptor;
  if (!object->GetOwnPropertyDescriptor(context, key).ToLocal(&descriptor) || !descriptor->IsObject()) {
    return v8::Local<v8::Value>();
  }
  // A descriptor is a fresh plain object: reading its `value` runs nothing.
  v8::Local<v8::Value> value;
  v8::Local<v8::String> value_key = v8::String::NewFromUtf8Literal(isolate, "value");
  if (!descriptor.As<v8::Object>()->GetRealNamedProperty(context, value_key).ToLocal(&value)) {
    return v8::Local<v8::Value>();
  }
  return value;
}

}  // namespace

std::string BlockingWatchdog::CurrentStack(v8::Isolate* isolate, int limit) {
  v8::HandleScope scope(isolate);
  v8::Local<v8::StackTrace> trace = v8::StackTrace::CurrentStackTrace(isolate, limit, v8::StackTrace::kDetailed);
  std::string out;
  const int count = trace->GetFrameCount();
  for (int i = 0; i < count; i++) {
    v8::Local<v8::StackFrame> frame = trace->GetFrame(isolate, static_cast<uint32_t>(i));
    std::string name = Utf8(isolate, frame->GetFunctionName());
    std::string script = Utf8(isolate, frame->GetScriptNameOrSourceURL());
    if (script.empty()) script = "<anonymous>";
    // Appends only: GCC 12 warns falsely (-Wrestrict) about `"literal" + std::string`.
    if (!out.empty()) out += '\n';
    out += "    at ";
    const bool named = !name.empty() || frame->IsConstructor();
    if (frame->IsConstructor()) out += "new ";
    if (named) {
      out += name.empty() ? std::string("<anonymous>") : name;
      out += " (";
    }
    out += script;
    out += ':';
    out += std::to_string(frame->GetLineNumber());
    out += ':';
    out += std::to_string(frame->GetColumn());
    if (named) out += ')';
  }
  return out;
}

void BlockingWatchdog::SetIdle(bool idle) {
  if (idle && loop_tid_.load(std::memory_order_relaxed) == 0) {
    loop_tid_.store(static_cast<int>(::syscall(SYS_gettid)), std::memory_order_relaxed);
  }
  idle_.store(idle, std::memory_order_relaxed);
  NoteProgress();
}

bool BlockingWatchdog::WaitsInPoll() {
  const int tid = loop_tid_.load(std::memory_order_relaxed);
  if (tid == 0) return true;
  if (syscall_fd_ < 0) {
    if (syscall_fd_ == kUnreadable) return true;
    char path[64];
    std::snprintf(path, sizeof path, "/proc/self/task/%d/syscall", tid);
    syscall_fd_ = ::open(path, O_RDONLY | O_CLOEXEC);
    if (syscall_fd_ < 0) {
      syscall_fd_ = kUnreadable;
      return true;
    }
  }
  // The file is generated afresh at every read from offset 0: one pread per sample.
  char text[32];
  const ssize_t n = ::pread(syscall_fd_, text, sizeof text - 1, 0);
  if (n <= 0) return true;
  text[n] = '\0';
  // "<number> <args...>" while in a system call; "running" or "-1 ..." otherwise.
  char* end = nullptr;
  const long number = std::strtol(text, &end, 10);
  if (end == text) return false;  // running
#if defined(__x86_64__)
  return number == SYS_epoll_wait || number == SYS_epoll_pwait
#ifdef SYS_epoll_pwait2
         || number == SYS_epoll_pwait2
#endif
      ;
#else
  return number == SYS_epoll_pwait
#ifdef SYS_epoll_pwait2
         || number == SYS_epoll_pwait2
#endif
      ;
#endif
}

void BlockingWatchdog::Configure(double seconds) {
  if (seconds <= 0) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
      threshold_ = std::chrono::nanoseconds(0);
    }
    wakeup_.notify_all();
    if (thread_.joinable()) thread_.join();
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    threshold_ = std::chrono::nanoseconds(static_cast<int64_t>(seconds * 1e9));
    stop_ = false;
  }
  wakeup_.notify_all();  // a running watchdog picks the new threshold up at once
  if (!thread_.joinable()) thread_ = std::thread([this] { Run(); });
}

void BlockingWatchdog::Run() {
  std::unique_lock<std::mutex> lock(mutex_);
  uint64_t seen = progress_.load(std::memory_order_relaxed);
  Clock::time_point since = Clock::now();
  bool warned = false;
  bool in_wait = false;  // last seen inside the poll phase's kernel wait
  while (!stop_) {
    // Sample several times per threshold, so a warning comes within a fraction of it late.
    auto interval = std::clamp<std::chrono::nanoseconds>(threshold_ / 8, std::chrono::milliseconds(1),
                                                         std::chrono::milliseconds(100));
    wakeup_.wait_for(lock, interval);
    if (stop_) break;
    const uint64_t progress = progress_.load(std::memory_order_relaxed);
    const Clock::time_point now = Clock::now();
    bool fresh = progress != seen;
    if (!fresh && idle_.load(std::memory_order_relaxed)) {
      // In the poll phase: idle while waiting in the kernel; JavaScript in an I/O callback
      // there is a new stretch from the first sample that finds the thread out of the wait.
      const bool waiting = WaitsInPoll();
      fresh = waiting || in_wait;
      in_wait = waiting;
    } else {
      in_wait = false;
    }
    if (fresh) {
      seen = progress;
      since = now;
      warned = false;  // a new stretch: it may warn once again
      continue;
    }
    if (warned || now - since < threshold_) continue;
    warned = true;
    requested_progress_ = progress;
    requested_since_ = since;
    outstanding_++;
    // Not under our lock: the callback takes it, and V8 takes its own lock in here.
    lock.unlock();
    isolate_->RequestInterrupt(OnInterrupt, this);
    lock.lock();
  }
}

void BlockingWatchdog::OnInterrupt(v8::Isolate* isolate, void* data) {
  BlockingWatchdog* self = static_cast<BlockingWatchdog*>(data);
  {
    std::unique_lock<std::mutex> lock(self->mutex_);
    self->outstanding_--;
    if (self->retired_) {
      const bool last = self->outstanding_ == 0;
      lock.unlock();
      if (last) delete self;
      return;
    }
  }
  self->Warn(isolate);
}

void BlockingWatchdog::Warn(v8::Isolate* isolate) {
  uint64_t requested;
  Clock::time_point since;
  std::chrono::nanoseconds threshold;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    requested = requested_progress_;
    since = requested_since_;
    threshold = threshold_;
  }
  // Stale: the code that blocked has suspended (or the loop turned) since the request, and
  // whatever runs now has not been blocking for long. A request that reached a thread just as
  // it parked is delivered when that thread next runs: this is where it is dropped.
  if (progress_.load(std::memory_order_relaxed) != requested) return;
  if (threshold.count() == 0) return;  // turned off meanwhile

  v8::HandleScope scope(isolate);
  const double elapsed = std::chrono::duration<double>(Clock::now() - since).count();
  const double limit = std::chrono::duration<double>(threshold).count();
  std::string stack = CurrentStack(isolate, kStackFrames);

  // Which green thread runs: the hub's `current` field, read without running JavaScript.
  v8::Local<v8::Value> thread;
  std::string where = "in plain JavaScript (no green thread running)";
  if (!hub_.IsEmpty()) {
    v8::Local<v8::Context> context = isolate->GetCurrentContext();
    if (!context.IsEmpty()) {
      v8::Local<v8::Value> current = DataProperty(isolate, context, hub_.Get(isolate), "current");
      if (!current.IsEmpty() && current->IsObject()) {
        thread = current;
        v8::Local<v8::Object> object = current.As<v8::Object>();
        v8::Local<v8::Value> id = DataProperty(isolate, context, object, "id");
        v8::Local<v8::Value> name = DataProperty(isolate, context, object, "fnName");
        where = "in GreenThread";
        if (!id.IsEmpty() && id->IsNumber()) {
          where += '#';
          where += Utf8(isolate, id);
        }
        if (!name.IsEmpty() && name->IsString() && name.As<v8::String>()->Length() > 0) {
          where += " (";
          where += Utf8(isolate, name);
          where += ')';
        }
      }
    }
  }
  char head[256];
  std::snprintf(head, sizeof head,
                "greenthread: blocking detected: JavaScript ran %.3f s without suspending "
                "(hub.blockingDetection(%g)), %s:\n",
                elapsed, limit, where.c_str());
  std::string text(head);
  text += stack.empty() ? std::string("    (no JavaScript frames)") : stack;
  text += '\n';
  WriteAll(2, text);

  if (warnings_.size() >= kMaxQueued) warnings_.pop_front();
  warnings_.push_back(BlockingWarning{limit, elapsed, stack, {}});
  if (!thread.IsEmpty()) warnings_.back().thread.Reset(isolate, thread);
  Notify notify;
  void* notify_data;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    notify = notify_;
    notify_data = notify_data_;
  }
  if (notify != nullptr) notify(notify_data);
}

void BlockingWatchdog::TakeWarnings(std::deque<BlockingWarning>* out) {
  for (BlockingWarning& warning : warnings_) out->push_back(std::move(warning));
  warnings_.clear();
}

void BlockingWatchdog::Retire() {
  Configure(0);
  if (syscall_fd_ >= 0) ::close(syscall_fd_);
  syscall_fd_ = -1;
  hub_.Reset();
  warnings_.clear();
  bool free_now;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    retired_ = true;
    notify_ = nullptr;
    free_now = outstanding_ == 0;
  }
  if (free_now) delete this;
}

}  // namespace greenthread
