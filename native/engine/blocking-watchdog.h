// BlockingWatchdog: hub.blockingDetection's native half (eventlet's debug.hub_blocking_detection).
// A watchdog OS thread samples a progress counter that moves at every baton handoff and every
// event-loop iteration; when it has not moved for the threshold while the loop is not idle in
// poll, it asks V8 to interrupt whatever JavaScript runs (RequestInterrupt), and the interrupt
// callback, on that very thread, prints the running stack to stderr. Nothing is measured after
// the fact: the stack is the one of the code that is blocking.
//
// One per engine (per isolate): the main thread and every Worker have their own. The thread
// runs only while detection is on. The counter costs one relaxed increment per handoff whether
// detection is on or off, so turning it on changes nothing on the switch path.
//
// The event loop is idle only while it waits in the kernel: a libuv prepare handle marks the
// poll phase's start and a check handle its end, and within it the watchdog asks the kernel
// whether the loop thread is in epoll_wait (WaitsInPoll), since I/O callbacks run there too.
//
// Lifetime: an interrupt request cannot be withdrawn, and its callback may run after the
// engine is gone (teardown runs JavaScript) or never (the isolate is disposed first). So the
// watchdog outlives the engine while a request is outstanding (Retire), and a callback that
// finds it retired only frees it.
#pragma once

#include <v8.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

namespace greenthread {

// One warning, kept for the JavaScript side (diagnostics_channel) until it takes it.
struct BlockingWarning {
  double threshold_seconds;
  double elapsed_seconds;
  std::string stack;               // "    at ..." lines, most recent call first
  v8::Global<v8::Value> thread;    // the green thread that was running, or empty (plain JS)
};

class BlockingWatchdog {
 public:
  // `notify(data)` is called on the JavaScript thread (inside the interrupt callback, so it
  // must not run JavaScript) after a warning was queued; the binding wakes the event loop.
  using Notify = void (*)(void* data);

  explicit BlockingWatchdog(v8::Isolate* isolate) : isolate_(isolate) {}
  BlockingWatchdog(const BlockingWatchdog&) = delete;
  BlockingWatchdog& operator=(const BlockingWatchdog&) = delete;

  // The hot path: every baton arrival and every loop iteration. Only the thread that holds the
  // isolate (or the loop thread, between its JavaScript) calls it; the watchdog only reads.
  void NoteProgress() { progress_.store(progress_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed); }
  // The event loop has entered its poll phase (true) or left it (false). Called on the loop
  // thread, which it also records (see WaitsInPoll).
  void SetIdle(bool idle);

  // Turns detection on with `seconds` as threshold (starting the thread if needed), or off
  // with 0 (stopping and joining it). JavaScript thread only.
  void Configure(double seconds);
  bool enabled() const { return thread_.joinable(); }

  // Where the current green thread is read from when a warning is taken: `hub.current`.
  void SetHub(v8::Local<v8::Object> hub) { hub_.Reset(isolate_, hub); }
  void SetNotify(Notify notify, void* data) {
    std::lock_guard<std::mutex> lock(mutex_);
    notify_ = notify;
    notify_data_ = data;
  }
  // Moves the queued warnings to `out` (JavaScript thread).
  void TakeWarnings(std::deque<BlockingWarning>* out);

  // Environment teardown: stops the thread, drops handles, and frees this object now or, if an
  // interrupt request is still outstanding, when its callback runs (or never: a few bytes).
  void Retire();

  // The running JavaScript stack, V8's "    at fn (file:line:col)" lines, at most `limit`
  // frames. Runs no JavaScript, so it is safe in an interrupt callback.
  static std::string CurrentStack(v8::Isolate* isolate, int limit);

 private:
  ~BlockingWatchdog() = default;
  void Run();
  static void OnInterrupt(v8::Isolate* isolate, void* data);
  // Whether the loop thread is inside epoll_wait now. The poll phase is more than the wait: it
  // also runs every I/O callback (and the promise reactions after each), which can block as
  // long as any other JavaScript. Only the wait itself is idle; read from the thread's
  // /proc/self/task/<tid>/syscall. True when that cannot be read (then the whole poll phase
  // counts as idle, the prepare/check marks alone).
  bool WaitsInPoll();
  void Warn(v8::Isolate* isolate);

  static constexpr int kStackFrames = 16;
  static constexpr size_t kMaxQueued = 16;

  v8::Isolate* const isolate_;
  std::atomic<uint64_t> progress_{0};
  std::atomic<bool> idle_{false};
  std::atomic<int> loop_tid_{0};  // the loop thread's kernel id, once known
  // The watchdog thread's open /proc/self/task/<loop tid>/syscall (-1: not yet opened).
  static constexpr int kUnreadable = -2;
  int syscall_fd_ = -1;

  std::mutex mutex_;  // guards everything below shared with the watchdog thread
  std::condition_variable wakeup_;
  std::thread thread_;
  bool stop_ = false;
  std::chrono::nanoseconds threshold_{0};
  // Set by the watchdog when it requests an interrupt: the progress it saw and since when.
  uint64_t requested_progress_ = 0;
  std::chrono::steady_clock::time_point requested_since_;
  int outstanding_ = 0;
  bool retired_ = false;
  Notify notify_ = nullptr;
  void* notify_data_ = nullptr;

  // JavaScript thread only.
  v8::Global<v8::Object> hub_;
  std::deque<BlockingWarning> warnings_;
};

}  // namespace greenthread
