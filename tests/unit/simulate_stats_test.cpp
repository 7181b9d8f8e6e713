// The load generator's arithmetic, without a network: the latency histogram's percentiles
// stay within one bucket of the exact ones, whatever the number of samples, and the open
// loop's schedule puts rate × duration operations on a fixed grid from the start, so that
// latency is measured from when each operation was due.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "bench/latency_histogram.hpp"
#include "bench/open_loop.hpp"

namespace chronicle::bench {
namespace {

// The exact nearest-rank percentile of `sorted`.
std::uint64_t exact(const std::vector<std::uint64_t>& sorted, double p) {
  const auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(sorted.size())));
  return sorted[std::max<std::size_t>(rank, 1) - 1];
}

TEST(latency_histogram, given_no_sample_then_zero) {
  const latency_histogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.percentile_us(0.99), 0u);
  EXPECT_EQ(h.max_us(), 0u);
}

TEST(latency_histogram, given_small_values_then_exact) {
  latency_histogram h;
  for (std::uint64_t v = 1; v <= 100; ++v) h.record(v);
  EXPECT_EQ(h.percentile_us(0.50), 50u);
  EXPECT_EQ(h.percentile_us(0.99), 99u);
  EXPECT_EQ(h.percentile_us(1.0), 100u);
  EXPECT_EQ(h.max_us(), 100u);
}

TEST(latency_histogram, given_every_value_then_buckets_are_contiguous_and_narrow) {
  // Each bucket's values run from just past the previous bucket's upper edge to its own.
  for (std::uint64_t v = 0; v < 1'000'000; v += 1 + v / 1000) {
    const auto b = latency_histogram::bucket_of(v);
    const auto upper = latency_histogram::bucket_upper_us(b);
    ASSERT_GE(upper, v);
    const auto lower = b == 0 ? 0 : latency_histogram::bucket_upper_us(b - 1) + 1;
    ASSERT_LE(lower, v);
    ASSERT_LE(upper - lower, lower / 64) << v;
  }
  EXPECT_EQ(latency_histogram::bucket_of(latency_histogram::value_us_max * 10),
            latency_histogram::bucket_of(latency_histogram::value_us_max));
}

TEST(latency_histogram, given_a_million_samples_then_percentiles_within_one_bucket) {
  std::mt19937_64 random{42};
  std::lognormal_distribution<double> spread{std::log(2'000.0), 1.2};  // around 2 ms
  std::vector<std::uint64_t> all;
  latency_histogram one, left, right;
  for (int i = 0; i < 1'000'000; ++i) {
    const auto v = static_cast<std::uint64_t>(spread(random));
    all.push_back(v);
    one.record(v);
    (i % 2 == 0 ? left : right).record(v);
  }
  left.merge(right);
  std::sort(all.begin(), all.end());
  for (const double p : {0.5, 0.95, 0.99, 0.999}) {
    const auto truth = exact(all, p);
    const auto got = one.percentile_us(p);
    EXPECT_GE(got, truth) << p;
    EXPECT_LE(got - truth, truth / 64 + 1) << p;
    EXPECT_EQ(left.percentile_us(p), got) << p;
  }
  EXPECT_EQ(one.max_us(), all.back());
  EXPECT_EQ(one.percentile_us(1.0), all.back());
  EXPECT_EQ(left.count(), 1'000'000u);
  EXPECT_LE(one.percentile_us(0.5), one.percentile_us(0.95));
  EXPECT_LE(one.percentile_us(0.99), one.percentile_us(0.999));
}

TEST(open_loop_schedule, given_a_rate_then_operations_on_a_fixed_grid_from_the_start) {
  const open_loop_schedule plan{3, 2};
  EXPECT_EQ(plan.operations(), 6);
  EXPECT_EQ(plan.due_ns(0), 0);
  EXPECT_EQ(plan.due_ns(1), 333'333'333);
  EXPECT_EQ(plan.due_ns(2), 666'666'666);
  EXPECT_EQ(plan.due_ns(3), 1'000'000'000);
  EXPECT_EQ(plan.due_ns(5), 1'666'666'666);
  // At the highest rate and longest run, the last operation is still due within the run.
  const open_loop_schedule big{1'000'000, 3600};
  EXPECT_EQ(big.due_ns(big.operations() - 1), 3600LL * 1'000'000'000 - 1'000);
}

TEST(open_loop_schedule, given_any_instant_then_due_by_counts_exactly_the_operations_due) {
  std::mt19937_64 random{7};
  for (const std::int64_t rate : {1, 3, 7, 1000, 999'983}) {
    const open_loop_schedule plan{rate, 5};
    std::uniform_int_distribution<std::int64_t> instant{-10, 6'000'000'000};
    for (int n = 0; n < 2000; ++n) {
      const auto t = instant(random);
      const auto due = plan.due_by(t);
      ASSERT_GE(due, 0);
      ASSERT_LE(due, plan.operations());
      if (due > 0) {
        ASSERT_LE(plan.due_ns(due - 1), t) << rate << " " << t;
      }
      if (due < plan.operations()) {
        ASSERT_GT(plan.due_ns(due), t) << rate << " " << t;
      }
    }
  }
}

TEST(open_loop_schedule, given_a_late_answer_then_latency_counts_from_when_it_was_due) {
  // Due at 1 s, sent 300 ms late, answered 2 ms after sending: 302 ms, not 2 ms.
  EXPECT_EQ(latency_from_due_us(1'000'000'000, 1'302'000'000), 302'000u);
  EXPECT_EQ(latency_from_due_us(5'000, 1'000), 0u);
}

}  // namespace
}  // namespace chronicle::bench
