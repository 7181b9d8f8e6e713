// A stopped PostgreSQL: commands fail fast with 503, then succeed once it is
// back, and no acknowledged command is lost.

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "tests/support/http_client.hpp"
#include "tests/support/node_process.hpp"

namespace chronicle::testing {
namespace {

constexpr int retry_attempts_max = 60;
constexpr auto retry_pause = std::chrono::milliseconds{500};

TEST(outage, given_postgres_stopped_then_503_and_after_restart_commands_succeed_nothing_lost) {
  const auto port = static_cast<std::uint16_t>(std::stoi(env_or("CHRONICLE_TEST_PORT", "18082")));
  node_process node{port};
  ASSERT_TRUE(node.started()) << "see " << node.log_path();
  const std::string id = "outage-" + unique_suffix();
  ASSERT_EQ(post_json(port, "/commands/create-account",
                      {{"account_id", id}, {"owner_name", "O"}, {"currency", "USD"}})
                .status,
            201);
  int acknowledged = 0;
  for (int i = 0; i < 5; ++i) {
    if (post_json(port, "/commands/deposit", {{"account_id", id}, {"amount", "1"}}).status == 201) {
      ++acknowledged;
    }
  }
  ASSERT_EQ(acknowledged, 5);

  ASSERT_EQ(stack_command("pg-stop"), 0);
  const auto started = std::chrono::steady_clock::now();
  const auto refused = post_json(port, "/commands/deposit", {{"account_id", id}, {"amount", "1"}},
                                 {{"Idempotency-Key", "outage-" + id}});
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  std::printf("503 after %lld ms with PostgreSQL stopped\n",
              static_cast<long long>(elapsed.count()));
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_EQ(refused.json().value("code", ""), "STORE_UNAVAILABLE");
  EXPECT_EQ(refused.headers.count("retry-after"), 1u);
  EXPECT_EQ(http_request(port, "GET", "/health").status, 503);

  ASSERT_EQ(stack_command("pg-start"), 0);
  // The client retries its command with the same key until the store is back.
  http_response retried;
  for (int attempt = 0; attempt < retry_attempts_max; ++attempt) {
    retried = post_json(port, "/commands/deposit", {{"account_id", id}, {"amount", "1"}},
                        {{"Idempotency-Key", "outage-" + id}});
    if (retried.status != 503) break;
    std::this_thread::sleep_for(retry_pause);
  }
  ASSERT_EQ(retried.status, 201) << retried.body;
  ++acknowledged;
  ASSERT_EQ(post_json(port, "/commands/deposit", {{"account_id", id}, {"amount", "1"}}).status,
            201);
  ++acknowledged;

  const auto state = http_request(port, "GET", "/accounts/" + id + "?consistency=strong").json();
  EXPECT_EQ(state["balance"], std::to_string(acknowledged) + ".00");
  EXPECT_EQ(state["version"], 1 + acknowledged);
  const auto events = http_request(port, "GET", "/accounts/" + id + "/events?limit=100").json();
  EXPECT_EQ(events["events"].size(), static_cast<std::size_t>(1 + acknowledged));
}

}  // namespace
}  // namespace chronicle::testing
