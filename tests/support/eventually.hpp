#pragma once

// Polling for a condition in tests, with a bound: every wait on another process or thread
// in the suites goes through here, so none can loop forever.

#include <chrono>
#include <thread>

namespace chronicle::testing {

// Whether `done()` holds within `timeout`, asking every `poll`; asks once more at the end,
// so a condition met just at the deadline counts.
template <class Predicate>
bool eventually(Predicate done, std::chrono::milliseconds timeout,
                std::chrono::milliseconds poll) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(poll);
  }
  return done();
}

}  // namespace chronicle::testing
