#include "bench/latency_histogram.hpp"

#include <algorithm>
#include <cmath>

namespace chronicle::bench {

std::size_t latency_histogram::bucket_of(std::uint64_t value_us) {
  const auto v = std::min(value_us, value_us_max);
  if (v < sub_buckets) return static_cast<std::size_t>(v);
  // The highest set bit names the power of two; the next sub_bucket_bits - 1 bits, the
  // bucket within it.
  const int top = 63 - __builtin_clzll(v);
  const int shift = top - (sub_bucket_bits - 1);
  const auto mantissa = static_cast<std::size_t>(v >> shift);  // in [half, sub_buckets)
  return sub_buckets + static_cast<std::size_t>(shift - 1) * half + (mantissa - half);
}

std::uint64_t latency_histogram::bucket_upper_us(std::size_t bucket) {
  if (bucket < sub_buckets) return bucket;
  const auto shift = static_cast<int>((bucket - sub_buckets) / half) + 1;
  const auto mantissa = std::uint64_t{half + (bucket - sub_buckets) % half};
  return ((mantissa + 1) << shift) - 1;
}

void latency_histogram::record(std::uint64_t value_us) {
  ++counts_[bucket_of(value_us)];
  ++count_;
  max_ = std::max(max_, value_us);
}

void latency_histogram::merge(const latency_histogram& other) {
  for (std::size_t i = 0; i < buckets; ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  max_ = std::max(max_, other.max_);
}

std::uint64_t latency_histogram::percentile_us(double p) const {
  if (count_ == 0) return 0;
  const auto rank = std::clamp<std::uint64_t>(
      static_cast<std::uint64_t>(std::ceil(p * static_cast<double>(count_))), 1, count_);
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < buckets; ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::min(bucket_upper_us(i), max_);
  }
  return max_;
}

}  // namespace chronicle::bench
