#pragma once

// A latency histogram of bounded memory: log-linear buckets over microseconds, as
// HdrHistogram keeps them. Values below 128 µs have a bucket each; above, every power of two
// is split into 64 buckets, so a bucket is at most 1/64 (1.6 %) of its values wide. A
// percentile answers the upper edge of the bucket that holds it (never below the true
// value), and never more than the largest value recorded, which is kept exactly. Values
// beyond `value_us_max` (an hour) count in the last bucket. About 14 KiB, whatever the
// number of samples. Not thread-safe: one per thread, merged.

#include <array>
#include <cstdint>

namespace chronicle::bench {

class latency_histogram {
 public:
  static constexpr std::uint64_t value_us_max = 3'600'000'000;  // one hour
  static constexpr int sub_bucket_bits = 7;

  void record(std::uint64_t value_us);
  void merge(const latency_histogram& other);

  std::uint64_t count() const { return count_; }
  std::uint64_t max_us() const { return max_; }
  // The value at or below which a fraction `p` (0 < p <= 1) of the samples fall (nearest
  // rank), in microseconds; 0 when there is no sample.
  std::uint64_t percentile_us(double p) const;

  // The bucket of a value, and the largest value that bucket holds (pure; for the tests).
  static std::size_t bucket_of(std::uint64_t value_us);
  static std::uint64_t bucket_upper_us(std::size_t bucket);

 private:
  static constexpr std::size_t sub_buckets = std::size_t{1} << sub_bucket_bits;
  static constexpr std::size_t half = sub_buckets / 2;
  // value_us_max < 2^32: exponents 1 .. 32 - sub_bucket_bits + 1 above the exact range.
  static constexpr std::size_t buckets = sub_buckets + (32 - sub_bucket_bits + 1) * half;

  std::array<std::uint64_t, buckets> counts_{};
  std::uint64_t count_ = 0;
  std::uint64_t max_ = 0;
};

}  // namespace chronicle::bench
