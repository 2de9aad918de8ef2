{
  "targets": [
    {
      "target_name": "greenthread",
      "sources": [
        "native/engine/baton.cc",
        "native/engine/os-thread-pool.cc",
        "native/engine/coroutine.cc",
        "native/engine/engine.cc",
        "native/engine/engine-fiber.cc",
        "native/engine/blocking-watchdog.cc",
        "native/engine/fiber-offsets.cc",
        # The fiber backend's V8-free core (used by engine-fiber.cc when GREENTHREAD_BACKEND=fibers).
        "native/engine/fiber-stack.cc",
        "native/engine/fiber-switch.cc",
        "native/binding/blocking-detection.cc",
        "native/binding/addon.cc"
      ],
      "include_dirs": ["native"],
      "cflags_cc": ["-std=c++20", "-fno-exceptions", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Wno-cast-function-type"],
      "cflags_cc!": ["-std=gnu++17", "-std=c++17"],
      "libraries": ["-lpthread"],
      # Never unmapped: pooled threads may still be leaving addon code (the tail of a baton
      # wait) when Node dlclose()s an addon that only a Worker loaded.
      "ldflags": ["-Wl,-z,nodelete"]
    }
  ]
}
