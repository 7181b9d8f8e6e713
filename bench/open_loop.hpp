#pragma once

// The open loop's schedule: at `rate` operations a second, operation i is due at
// start + i / rate, computed from the start (never by adding intervals, so the schedule does
// not drift however late the generator runs). An operation's latency is measured from that
// intended time, not from when it was sent: when the node (or the generator) falls behind,
// the wait before sending counts too, so the queueing is not hidden (coordinated omission).
// Pure: times are nanoseconds from the start.

#include <cstdint>

namespace chronicle::bench {

class open_loop_schedule {
 public:
  static constexpr std::int64_t ns_per_s = 1'000'000'000;

  // `rate` >= 1 operations a second over `duration_s` >= 1 seconds.
  open_loop_schedule(std::int64_t rate, std::int64_t duration_s)
      : rate_{rate}, duration_s_{duration_s} {}

  // How many operations the run holds: rate × duration.
  std::int64_t operations() const { return rate_ * duration_s_; }

  // When operation `i` (from 0) is due, in nanoseconds from the start.
  std::int64_t due_ns(std::int64_t i) const {
    // i < rate × duration, so i / rate seconds and the remainder fit without overflow.
    return (i / rate_) * ns_per_s + (i % rate_) * ns_per_s / rate_;
  }

  // How many operations are due by `elapsed_ns` after the start (at most operations()).
  std::int64_t due_by(std::int64_t elapsed_ns) const {
    if (elapsed_ns < 0) return 0;
    // Within a second, operation r is due by `part` when r × 1e9 / rate < part + 1.
    const auto whole = elapsed_ns / ns_per_s;
    const auto part = elapsed_ns % ns_per_s;
    const auto due = whole * rate_ + ((part + 1) * rate_ + ns_per_s - 1) / ns_per_s;
    return due < operations() ? due : operations();
  }

 private:
  std::int64_t rate_;
  std::int64_t duration_s_;
};

// The latency of an operation due at `due_ns` that completed at `done_ns` (same origin), in
// microseconds; 0 if it somehow completed before it was due.
inline std::uint64_t latency_from_due_us(std::int64_t due_ns, std::int64_t done_ns) {
  return done_ns > due_ns ? static_cast<std::uint64_t>((done_ns - due_ns) / 1000) : 0;
}

}  // namespace chronicle::bench
