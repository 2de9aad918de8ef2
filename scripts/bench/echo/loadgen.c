/* Echo load generator for `npm run bench` (compiled on demand by build.js with `cc -O2`).
 * Opens N TCP connections; each sends a SIZE-byte message, waits until all of it has come
 * back (partial reads and writes handled), then sends the next. One thread, epoll, non-blocking
 * sockets: a separate process from the server under test, as light on the shared CPUs as it can be.
 *
 *   loadgen -p PORT [-h 127.0.0.1] [-c CONNS] [-d SECONDS] [-w WARMUP] [-s SIZE] [-P SERVER_PID]
 *
 * Phases: setup (connect each socket and have one round trip on it, at most 32 connections
 * in setup at a time, none sending a second message until all are set up); warm up for WARMUP
 * seconds; then count round trips over a measured window of SECONDS. With -P it reads the server's
 * CPU time (/proc/PID/stat utime+stime) at both ends of the window and its memory and thread
 * count (/proc/PID/status) at the end. Prints one JSON line on stdout:
 *   {"conns","msgs","seconds","msgsPerSec","errors","setupMs",...,"server":{...}}
 * Exit status 0 when a window was measured, 1 otherwise (with "error" in the JSON).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_SIZE 65536
/* Connections being set up at once (connected, first echo not back yet). */
#define SETUP_IN_FLIGHT 32
/* Longest time for setting up all of them. */
#define SETUP_TIMEOUT_S 30.0

enum state { IDLE, CONNECTING, ACTIVE, DEAD };

struct conn {
  int fd;
  enum state state;
  int sent;        /* bytes of the current message written */
  int got;         /* bytes of its echo read */
  int want_out;    /* EPOLLOUT registered (a connect or a partial write pending) */
  long rounds;     /* completed round trips */
};

static struct conn *conns;
static int nconns, size = 64, epfd;
static unsigned char *message, *reply;
static long errors, corrupt;
/* 0 while priming: a connection whose first echo came back waits for all the others. */
static int running;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void fail_json(const char *what) {
  printf("{\"conns\":%d,\"msgs\":0,\"seconds\":0,\"msgsPerSec\":0,\"errors\":%ld,\"error\":\"%s\"}\n", nconns, errors, what);
  fflush(stdout);
  exit(1);
}

static void watch(struct conn *c, int out) {
  struct epoll_event ev = { .events = EPOLLIN | (out ? EPOLLOUT : 0), .data = { .ptr = c } };
  if (epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0) fail_json("epoll_ctl");
  c->want_out = out;
}

static void kill_conn(struct conn *c) {
  if (c->state == DEAD) return;
  errors++;
  c->state = DEAD;
  close(c->fd);
}

/* Writes what is left of the current message; asks for EPOLLOUT if the socket is full. */
static void pump_out(struct conn *c) {
  while (c->sent < size) {
    ssize_t n = send(c->fd, message + c->sent, size - c->sent, MSG_NOSIGNAL);
    if (n > 0) { c->sent += n; continue; }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) { if (!c->want_out) watch(c, 1); return; }
    kill_conn(c);
    return;
  }
  if (c->want_out) watch(c, 0);
}

/* Reads the echo; returns 1 when a whole message has come back (and the next one is sent). */
static int pump_in(struct conn *c) {
  for (;;) {
    ssize_t n = recv(c->fd, reply + c->got, size - c->got, 0);
    if (n > 0) {
      c->got += n;
      if (c->got < size) continue;
      if (memcmp(reply, message, size) != 0) corrupt++;
      c->rounds++;
      c->sent = c->got = 0;
      if (running) pump_out(c);
      return 1;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;
    kill_conn(c);  /* EOF or reset: the server dropped us */
    return 0;
  }
}

struct proc_sample { double cpu; long hwm_kib, rss_kib, threads; int ok; };

/* utime + stime of PID in seconds (all its threads), from /proc/PID/stat. */
static double proc_cpu(int pid, int *ok) {
  char path[64], buf[4096];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  FILE *f = fopen(path, "r");
  if (!f) { *ok = 0; return 0; }
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  char *p = strrchr(buf, ')');  /* the command name may hold spaces */
  if (!p) { *ok = 0; return 0; }
  unsigned long utime = 0, stime = 0;
  /* after ")": state(3) ... utime is field 14, stime 15 */
  if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) != 2) { *ok = 0; return 0; }
  return (double)(utime + stime) / sysconf(_SC_CLK_TCK);
}

static long status_field(const char *text, const char *name) {
  const char *p = strstr(text, name);
  return p ? strtol(p + strlen(name), NULL, 10) : -1;
}

static struct proc_sample sample(int pid) {
  struct proc_sample s = { .ok = 1 };
  if (pid <= 0) { s.ok = 0; return s; }
  s.cpu = proc_cpu(pid, &s.ok);
  char path[64], buf[8192];
  snprintf(path, sizeof path, "/proc/%d/status", pid);
  FILE *f = fopen(path, "r");
  if (!f) { s.ok = 0; return s; }
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  s.hwm_kib = status_field(buf, "VmHWM:");
  s.rss_kib = status_field(buf, "VmRSS:");
  s.threads = status_field(buf, "Threads:");
  return s;
}

static void start_connect(struct conn *c, struct sockaddr_in *addr) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) { c->state = DEAD; errors++; return; }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  c->fd = fd;
  struct epoll_event ev = { .events = EPOLLOUT, .data = { .ptr = c } };
  if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) fail_json("epoll_ctl add");
  c->want_out = 1;
  if (connect(fd, (struct sockaddr *)addr, sizeof *addr) < 0 && errno != EINPROGRESS) { kill_conn(c); return; }
  c->state = CONNECTING;
}

static void usage(void) {
  fprintf(stderr, "usage: loadgen -p PORT [-h HOST] [-c CONNS] [-d SECONDS] [-w WARMUP] [-s SIZE] [-P SERVER_PID]\n");
  exit(2);
}

int main(int argc, char **argv) {
  const char *host = "127.0.0.1";
  int port = 0, pid = 0, opt;
  double seconds = 2.0, warmup = 0.5;
  nconns = 1;
  while ((opt = getopt(argc, argv, "h:p:c:d:w:s:P:")) != -1) {
    switch (opt) {
      case 'h': host = optarg; break;
      case 'p': port = atoi(optarg); break;
      case 'c': nconns = atoi(optarg); break;
      case 'd': seconds = atof(optarg); break;
      case 'w': warmup = atof(optarg); break;
      case 's': size = atoi(optarg); break;
      case 'P': pid = atoi(optarg); break;
      default: usage();
    }
  }
  if (port <= 0 || port > 65535 || nconns < 1 || seconds <= 0 || warmup < 0 || size < 1 || size > MAX_SIZE) usage();
  signal(SIGPIPE, SIG_IGN);

  /* One descriptor per connection plus a few: raise the soft limit as far as the hard one allows. */
  struct rlimit rl;
  rlim_t need = (rlim_t)nconns + 32;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < need) {
    rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= need ? need : rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    getrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur < need) {
      fprintf(stderr, "loadgen: open-file limit %lu (hard) is below the %lu needed for %d connections\n",
              (unsigned long)rl.rlim_max, (unsigned long)need, nconns);
      fail_json("open-file limit too low");
    }
  }

  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons(port) };
  if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) usage();
  message = malloc(size);
  reply = malloc(size);
  for (int i = 0; i < size; i++) message[i] = (unsigned char)('a' + i % 26);
  conns = calloc(nconns, sizeof *conns);
  epfd = epoll_create1(EPOLL_CLOEXEC);
  if (!message || !reply || !conns || epfd < 0) fail_json("setup");

  enum { MAXEV = 1024 };
  struct epoll_event events[MAXEV];

  /* Setup: connect, then one round trip on the new connection, which then waits for all the
   * others (no second message yet). At most SETUP_IN_FLIGHT connections are between connect()
   * and their first echo at a time: a server's accept queue (eventlet's default backlog is 50)
   * never overflows, so no handshake waits on a retransmission, and no connection is timed
   * before the server took it on. */
  double t0 = now();
  int next = 0, pending = 0;
  long primed = 0, settled = 0;
  while (settled < nconns) {
    while (next < nconns && pending < SETUP_IN_FLIGHT) {
      start_connect(&conns[next], &addr);
      if (conns[next].state == CONNECTING) pending++; else settled++;
      next++;
    }
    if (now() - t0 > SETUP_TIMEOUT_S) break;  /* the rest count as neverEchoed */
    int n = epoll_wait(epfd, events, MAXEV, 50);
    if (n < 0 && errno != EINTR) fail_json("epoll_wait");
    for (int i = 0; i < n; i++) {
      struct conn *c = events[i].data.ptr;
      if (c->state == CONNECTING) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err == EINPROGRESS) continue;
        if (err) { kill_conn(c); pending--; settled++; continue; }
        c->state = ACTIVE;
        watch(c, 0);
        pump_out(c);
        if (c->state == DEAD) { pending--; settled++; }
        continue;
      }
      if (c->state != ACTIVE) continue;
      if (events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
        int done = pump_in(c);
        primed += done;
        if (done || c->state == DEAD) { pending--; settled++; }
      }
      if (c->state == ACTIVE && (events[i].events & EPOLLOUT)) pump_out(c);
    }
  }
  double setup_ms = (now() - t0) * 1000;
  if (!primed) fail_json("no connection was echoed");

  /* Warm-up, then the measured window. Every primed connection starts its next message now. */
  running = 1;
  double t_start = now(), t_window = 0, t_end = 0;
  for (int i = 0; i < nconns; i++) if (conns[i].state == ACTIVE && conns[i].rounds > 0) pump_out(&conns[i]);
  int measuring = 0;
  long msgs = 0;
  struct proc_sample before = { 0 }, after = { 0 };
  for (;;) {
    int n = epoll_wait(epfd, events, MAXEV, 50);
    if (n < 0 && errno != EINTR) fail_json("epoll_wait");
    for (int i = 0; i < n; i++) {
      struct conn *c = events[i].data.ptr;
      if (c->state != ACTIVE) continue;
      if (events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) msgs += pump_in(c);
      if (c->state == ACTIVE && (events[i].events & EPOLLOUT)) pump_out(c);
    }
    double t = now();
    if (!measuring) {
      if (t - t_start < warmup) continue;
      measuring = 1;
      msgs = 0;
      before = sample(pid);
      t_window = now();
    } else if (t - t_window >= seconds) {
      t_end = t;
      after = sample(pid);
      break;
    }
  }

  double elapsed = t_end - t_window;
  long idle = 0;  /* connections that never echoed anything: a server that did not keep up */
  for (int i = 0; i < nconns; i++) if (conns[i].state == ACTIVE && conns[i].rounds == 0) idle++;
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  double self_cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
  printf("{\"conns\":%d,\"msgs\":%ld,\"seconds\":%.6f,\"msgsPerSec\":%.1f,\"errors\":%ld,\"corrupt\":%ld,\"neverEchoed\":%ld,"
         "\"size\":%d,\"setupMs\":%.1f,\"warmupSeconds\":%.3f,\"loadgenCpuSeconds\":%.3f",
         nconns, msgs, elapsed, msgs / elapsed, errors, corrupt, idle, size, setup_ms, t_window - t_start, self_cpu);
  if (before.ok && after.ok)
    printf(",\"server\":{\"pid\":%d,\"cpuSeconds\":%.3f,\"hwmKiB\":%ld,\"rssKiB\":%ld,\"threads\":%ld}",
           pid, after.cpu - before.cpu, after.hwm_kib, after.rss_kib, after.threads);
  printf("}\n");
  return 0;
}
