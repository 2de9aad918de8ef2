// The bare cache-line round trip between two CPUs: two threads, pinned to two different CPUs
// where the machine has two, bounce one atomic counter. No syscalls, no V8: what it measures is
// how long the host takes to move a cache line between the two vCPUs and back, which on a VM
// flips between host modes and explains most of the run-to-run variance of thread switches
// (research/switch-cost.md). Prints one JSON line: the median round trip of its slices, in ns.
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define SLICES 10

static _Alignas(64) atomic_long ball;
static _Alignas(64) atomic_int stop;

static long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

static int pin(int cpu) {
  if (cpu < 0) return 0;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return pthread_setaffinity_np(pthread_self(), sizeof set, &set) == 0;
}

static int second_cpu = -1;

// The other side: answers every odd value with the next even one.
static void *echo(void *unused) {
  (void)unused;
  pin(second_cpu);
  long seen = 0;
  while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
    long v = atomic_load_explicit(&ball, memory_order_acquire);
    if (v != seen && (v & 1)) {
      atomic_store_explicit(&ball, v + 1, memory_order_release);
      seen = v + 1;
    }
  }
  return NULL;
}

static int compare(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  long total_ms = argc > 1 ? atol(argv[1]) : 30;
  if (total_ms < SLICES) total_ms = SLICES;
  // The two lowest-numbered CPUs this process may run on.
  cpu_set_t allowed;
  int first_cpu = -1;
  if (sched_getaffinity(0, sizeof allowed, &allowed) == 0) {
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
      if (!CPU_ISSET(cpu, &allowed)) continue;
      if (first_cpu < 0) first_cpu = cpu;
      else { second_cpu = cpu; break; }
    }
  }
  if (second_cpu < 0) {
    printf("{\"error\":\"fewer than two CPUs available\"}\n");
    return 0;
  }
  pthread_t other;
  if (pthread_create(&other, NULL, echo, NULL) != 0) {
    printf("{\"error\":\"pthread_create failed\"}\n");
    return 0;
  }
  pin(first_cpu);
  double slice_ns[SLICES];
  long value = 0;
  for (int s = 0; s < SLICES; s++) {
    long trips = 0;
    long start = now_ns();
    long end = start + total_ms * 1000000L / SLICES;
    long t;
    do {
      for (int i = 0; i < 64; i++) {
        atomic_store_explicit(&ball, ++value, memory_order_release);
        while (atomic_load_explicit(&ball, memory_order_acquire) != value + 1) {}
        value++;
      }
      trips += 64;
    } while ((t = now_ns()) < end);
    slice_ns[s] = (double)(t - start) / (double)trips;
  }
  atomic_store(&stop, 1);
  pthread_join(other, NULL);
  qsort(slice_ns, SLICES, sizeof slice_ns[0], compare);
  printf("{\"roundTripNs\":%.1f,\"minNs\":%.1f,\"maxNs\":%.1f,\"cpus\":[%d,%d]}\n",
         (slice_ns[SLICES / 2 - 1] + slice_ns[SLICES / 2]) / 2, slice_ns[0], slice_ns[SLICES - 1], first_cpu, second_cpu);
  return 0;
}
