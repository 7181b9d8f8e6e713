// The pure parts of the transport's limits: the per-key token bucket (with a clock passed in,
// so no test sleeps), the per-client connection count, and the CORS policy.

#include <gtest/gtest.h>

#include <string>

#include "http/client_connections.hpp"
#include "http/cors.hpp"
#include "http/rate_limit.hpp"

namespace chronicle::http {
namespace {

using clock = key_rate_limiter::clock;
using std::chrono::milliseconds;

TEST(KeyRateLimiter, GivenABurstThenRefusesBeyondItWithRetryAfter) {
  key_rate_limiter limiter{{2, 3, 100}};
  const auto t0 = clock::time_point{} + std::chrono::hours{1};
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.admit("k", t0).admitted) << i;
  const auto refused = limiter.admit("k", t0);
  EXPECT_FALSE(refused.admitted);
  EXPECT_EQ(refused.retry_after_seconds, 1) << "half a second rounds up to one";
  EXPECT_TRUE(limiter.admit("other", t0).admitted) << "another key has its own bucket";
}

TEST(KeyRateLimiter, GivenTimeThenTokensComeBackAtTheRateUpToTheBurst) {
  key_rate_limiter limiter{{2, 3, 100}};
  const auto t0 = clock::time_point{} + std::chrono::hours{1};
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(limiter.admit("k", t0).admitted);
  ASSERT_FALSE(limiter.admit("k", t0 + milliseconds{400}).admitted);
  EXPECT_TRUE(limiter.admit("k", t0 + milliseconds{500}).admitted) << "one token after 0.5 s";
  EXPECT_FALSE(limiter.admit("k", t0 + milliseconds{500}).admitted);
  const auto later = t0 + std::chrono::seconds{60};
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.admit("k", later).admitted) << i;
  EXPECT_FALSE(limiter.admit("k", later).admitted) << "never more than the burst";
}

TEST(KeyRateLimiter, GivenASlowRateThenRetryAfterSaysTheWholeWait) {
  key_rate_limiter limiter{{1, 1, 100}};
  const auto t0 = clock::time_point{} + std::chrono::hours{1};
  ASSERT_TRUE(limiter.admit("k", t0).admitted);
  EXPECT_EQ(limiter.admit("k", t0 + milliseconds{100}).retry_after_seconds, 1);
}

TEST(KeyRateLimiter, GivenZeroRateThenEverythingIsAdmittedAndNothingTracked) {
  key_rate_limiter limiter{{0, 1, 100}};
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(limiter.admit("k", clock::time_point{}).admitted);
  EXPECT_EQ(limiter.tracked_keys(), 0u);
}

TEST(KeyRateLimiter, GivenManyKeysThenMemoryStaysBoundedAndActiveKeysKeepTheirLimit) {
  key_rate_limiter limiter{{1, 2, 10}};
  const auto t0 = clock::time_point{} + std::chrono::hours{1};
  ASSERT_TRUE(limiter.admit("hot", t0).admitted);
  ASSERT_TRUE(limiter.admit("hot", t0).admitted);
  for (int i = 0; i < 1000; ++i) {
    limiter.admit("key-" + std::to_string(i), t0);
    ASSERT_LE(limiter.tracked_keys(), 10u);
    if (i % 5 == 0) {
      EXPECT_FALSE(limiter.admit("hot", t0).admitted)
          << "an empty bucket in use is not forgotten for idle ones (" << i << ")";
    }
  }
}

TEST(KeyRateLimiter, GivenFullBucketsAtTheCapThenThoseAreDroppedFirst) {
  key_rate_limiter limiter{{1, 1, 3}};
  const auto t0 = clock::time_point{} + std::chrono::hours{1};
  ASSERT_TRUE(limiter.admit("a", t0).admitted);
  ASSERT_TRUE(limiter.admit("b", t0).admitted);
  ASSERT_TRUE(limiter.admit("c", t0).admitted);
  // Two seconds later a and b have refilled; c has just been used up again.
  const auto t1 = t0 + std::chrono::seconds{2};
  ASSERT_TRUE(limiter.admit("c", t1).admitted);
  ASSERT_TRUE(limiter.admit("d", t1).admitted);
  EXPECT_EQ(limiter.tracked_keys(), 2u) << "a and b dropped, c and d kept";
  EXPECT_FALSE(limiter.admit("c", t1).admitted) << "c still owes its token";
}

TEST(ClientConnections, GivenTheLimitThenTheNextIsRefusedUntilOneCloses) {
  client_connections counts{2};
  EXPECT_TRUE(counts.try_open("127.0.0.1"));
  EXPECT_TRUE(counts.try_open("127.0.0.1"));
  EXPECT_FALSE(counts.try_open("127.0.0.1"));
  EXPECT_TRUE(counts.try_open("10.0.0.7")) << "other clients are not affected";
  counts.close("127.0.0.1");
  EXPECT_TRUE(counts.try_open("127.0.0.1"));
  EXPECT_EQ(counts.open_of("127.0.0.1"), 2u);
}

TEST(ClientConnections, GivenMoreClosesThanOpensThenTheCountStaysAtZero) {
  client_connections counts{1};
  counts.close("::1");
  EXPECT_EQ(counts.open_of("::1"), 0u);
  EXPECT_TRUE(counts.try_open("::1"));
  EXPECT_FALSE(counts.try_open("::1"));
}

TEST(ClientConnections, GivenZeroThenNoLimit) {
  client_connections counts{0};
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(counts.try_open("127.0.0.1"));
}

TEST(CorsPolicy, GivenNoOriginsThenOffAndNoHeaders) {
  const auto off = cors_policy::parse("");
  ASSERT_TRUE(off);
  EXPECT_FALSE(off->enabled());
  EXPECT_TRUE(off->response_headers("https://a.example").empty());
  EXPECT_FALSE(off->preflight_headers("https://a.example", "POST", {"POST"}));
}

header_list::const_iterator find(const header_list& headers, const std::string& name) {
  return std::find_if(headers.begin(), headers.end(),
                      [&](const auto& h) { return h.first == name; });
}

TEST(CorsPolicy, GivenAnAllowedOriginThenThatOriginIsEchoedNeverAWildcard) {
  const auto cors = cors_policy::parse("https://a.example, HTTPS://B.example:8443");
  ASSERT_TRUE(cors) << cors.error();
  const auto headers = cors->response_headers("https://b.example:8443");
  ASSERT_NE(find(headers, "Access-Control-Allow-Origin"), headers.end());
  EXPECT_EQ(find(headers, "Access-Control-Allow-Origin")->second, "https://b.example:8443");
  EXPECT_EQ(find(headers, "Vary")->second, "Origin");
  EXPECT_EQ(find(headers, "Access-Control-Allow-Credentials"), headers.end());

  const auto other = cors->response_headers("https://evil.example");
  EXPECT_EQ(find(other, "Access-Control-Allow-Origin"), other.end());
  EXPECT_EQ(find(other, "Vary")->second, "Origin") << "caches must key on Origin";
  EXPECT_FALSE(cors->allows("https://a.example.evil.example"));
  EXPECT_FALSE(cors->allows("http://a.example")) << "the scheme is part of the origin";
  EXPECT_FALSE(cors->allows(""));
}

TEST(CorsPolicy, GivenAPreflightThenMethodsHeadersAndMaxAge) {
  const auto cors = cors_policy::parse("https://a.example");
  ASSERT_TRUE(cors);
  const auto headers = cors->preflight_headers("https://a.example", "POST", {"POST"});
  ASSERT_TRUE(headers);
  EXPECT_EQ(find(*headers, "Access-Control-Allow-Methods")->second, "POST");
  EXPECT_EQ(find(*headers, "Access-Control-Allow-Headers")->second,
            "Authorization, Content-Type, Idempotency-Key");
  EXPECT_EQ(find(*headers, "Access-Control-Max-Age")->second, std::to_string(cors_max_age_seconds));
  EXPECT_FALSE(cors->preflight_headers("https://a.example", "", {"POST"})) << "no preflight";
  EXPECT_FALSE(cors->preflight_headers("https://b.example", "POST", {"POST"}));
}

TEST(CorsPolicy, GivenSomethingThatIsNoOriginThenRefused) {
  for (const char* bad : {"*", "null", "a.example", "https://a.example/", "https://a.example/x",
                          "ftp://a.example", "https://", "https://a.example:", "https://a:b:c",
                          "https://a.example,*", "https://user@a.example"}) {
    EXPECT_FALSE(cors_policy::parse(bad)) << bad;
  }
}

}  // namespace
}  // namespace chronicle::http
