#pragma once

// A token bucket per API key: how many requests a key may make per second, with a burst.
//
// Promises: a key starts with a full bucket of `burst` tokens, refilled at `per_second`
// tokens a second up to `burst`; each admitted request takes one. A refused request takes
// nothing and says how many whole seconds (at least 1) until one token is back. Memory is
// bounded: at most `keys_max` keys are tracked; when a new key arrives at the cap, the
// buckets that have refilled completely are dropped first (forgetting them changes nothing),
// then the least recently used. Thread-safe. `per_second == 0` turns limiting off.
// The clock is passed in, so tests need no sleeps.

#include <chrono>
#include <cstdint>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace chronicle::http {

struct rate_limit_settings {
  std::uint32_t per_second = 0;  // 0: no limit
  std::uint32_t burst = 1;       // at least 1 when limiting
  std::size_t keys_max = 10'000;
};

struct rate_decision {
  bool admitted = true;
  std::int64_t retry_after_seconds = 0;  // when refused: at least 1
};

class key_rate_limiter {
 public:
  using clock = std::chrono::steady_clock;

  explicit key_rate_limiter(rate_limit_settings settings);

  bool enabled() const { return settings_.per_second > 0; }
  rate_decision admit(std::string_view key_id, clock::time_point now);
  std::size_t tracked_keys() const;

 private:
  struct bucket {
    double tokens = 0;
    clock::time_point refilled_at{};
    std::list<std::string>::iterator recency;  // position in recency_, newest first
  };

  void refill(bucket& b, clock::time_point now) const;
  void make_room(clock::time_point now);

  rate_limit_settings settings_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, bucket> buckets_;
  std::list<std::string> recency_;  // key ids, most recently used first
};

}  // namespace chronicle::http
