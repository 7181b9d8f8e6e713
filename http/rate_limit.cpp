#include "http/rate_limit.hpp"

#include <algorithm>
#include <cmath>

namespace chronicle::http {

key_rate_limiter::key_rate_limiter(rate_limit_settings settings) : settings_{settings} {
  settings_.burst = std::max<std::uint32_t>(settings_.burst, 1);
  settings_.keys_max = std::max<std::size_t>(settings_.keys_max, 1);
}

void key_rate_limiter::refill(bucket& b, clock::time_point now) const {
  if (now <= b.refilled_at) return;
  const double elapsed = std::chrono::duration<double>(now - b.refilled_at).count();
  b.tokens = std::min<double>(settings_.burst, b.tokens + elapsed * settings_.per_second);
  b.refilled_at = now;
}

void key_rate_limiter::make_room(clock::time_point now) {
  if (buckets_.size() < settings_.keys_max) return;
  // A full bucket is what a key that was never seen would get: dropping it loses nothing.
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    refill(it->second, now);
    if (it->second.tokens >= settings_.burst) {
      recency_.erase(it->second.recency);
      it = buckets_.erase(it);
    } else {
      ++it;
    }
  }
  while (buckets_.size() >= settings_.keys_max) {
    buckets_.erase(recency_.back());
    recency_.pop_back();
  }
}

rate_decision key_rate_limiter::admit(std::string_view key_id, clock::time_point now) {
  if (!enabled()) return {};
  const std::lock_guard<std::mutex> lock{mutex_};
  auto it = buckets_.find(std::string{key_id});
  if (it == buckets_.end()) {
    make_room(now);
    recency_.emplace_front(key_id);
    it = buckets_
             .emplace(recency_.front(),
                      bucket{static_cast<double>(settings_.burst), now, recency_.begin()})
             .first;
  } else {
    recency_.splice(recency_.begin(), recency_, it->second.recency);
    refill(it->second, now);
  }
  bucket& b = it->second;
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return {};
  }
  const double wait = (1.0 - b.tokens) / settings_.per_second;
  return {false, std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(wait)))};
}

std::size_t key_rate_limiter::tracked_keys() const {
  const std::lock_guard<std::mutex> lock{mutex_};
  return buckets_.size();
}

}  // namespace chronicle::http
