// A stopped NATS: commands still succeed (the outbox keeps their events), and
// once NATS is back the relay publishes every one of them exactly once and the
// outbox drains. A node whose NATS is down when it starts still starts.

#include <gtest/gtest.h>

#include <chrono>
#include <pqxx/pqxx>
#include <set>
#include <thread>

#include "tests/support/http_client.hpp"
#include "tests/support/node_process.hpp"
#include "tests/support/stream_reader.hpp"
#include "tests/support/test_stream.hpp"

namespace chronicle::testing {
namespace {

using namespace std::chrono_literals;

// The relay backs off to at most 5 s and the client reconnects every 0.5 s:
// 60 s leaves room for a slow machine.
constexpr auto recovery_timeout = 60s;
constexpr auto read_timeout = 5s;
constexpr auto poll_interval = 250ms;
constexpr int deposits_while_down = 5;

std::int64_t outbox_rows(const std::string& account_id) {
  pqxx::connection conn{events_db()};
  pqxx::read_transaction txn{conn};
  return txn.exec_params1("SELECT count(*) FROM outbox WHERE account_id = $1", account_id)[0]
      .as<std::int64_t>();
}

// Starts NATS again however the test ends, so later tests find it running.
struct nats_restarter {
  bool stopped = false;
  ~nats_restarter() {
    if (stopped) stack_command("nats-start");
  }
};

TEST(nats_outage, given_nats_stopped_then_commands_succeed_and_events_arrive_once_after_restart) {
  const auto port = static_cast<std::uint16_t>(std::stoi(env_or("CHRONICLE_TEST_PORT", "18084")));
  node_process node{port};
  ASSERT_TRUE(node.started()) << "see " << node.log_path();
  const std::string id = "natsdown-" + unique_suffix();
  const auto subject = test_stream().subject_for(id);
  ASSERT_EQ(post_json(port, "/commands/create-account",
                      {{"account_id", id}, {"owner_name", "N"}, {"currency", "USD"}})
                .status,
            201);

  nats_restarter restarter;
  ASSERT_EQ(stack_command("nats-stop"), 0);
  restarter.stopped = true;
  for (int i = 0; i < deposits_while_down; ++i) {
    const auto reply = post_json(port, "/commands/deposit", {{"account_id", id}, {"amount", "2"}},
                                 {{"Idempotency-Key", id + "-" + std::to_string(i)}});
    ASSERT_EQ(reply.status, 201) << reply.body;
  }
  EXPECT_GT(outbox_rows(id), 0);

  ASSERT_EQ(stack_command("nats-start"), 0);
  restarter.stopped = false;
  const auto started = std::chrono::steady_clock::now();
  const auto expected = static_cast<std::int64_t>(1 + deposits_while_down);
  const auto deadline = started + recovery_timeout;
  while (std::chrono::steady_clock::now() < deadline &&
         !(stored_on_subject(nats_url(), stream_name(), subject) >= expected &&
           outbox_rows(id) == 0)) {
    std::this_thread::sleep_for(poll_interval);
  }
  std::printf("relayed %lld events %lld ms after NATS came back\n",
              static_cast<long long>(expected),
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                         std::chrono::steady_clock::now() - started)
                                         .count()));

  const auto events = http_request(port, "GET", "/accounts/" + id + "/events?limit=100").json();
  ASSERT_EQ(events["events"].size(), static_cast<std::size_t>(expected));
  const auto stored = read_subject(nats_url(), stream_name(), subject, read_timeout);
  std::multiset<std::string> stored_ids;
  for (const auto& m : stored) stored_ids.insert(m.msg_id);
  for (const auto& event : events["events"]) {
    EXPECT_EQ(stored_ids.count(event["event_id"].get<std::string>()), 1u)
        << "event " << event["version"] << " (see " << node.log_path() << ")";
  }
  EXPECT_EQ(stored.size(), static_cast<std::size_t>(expected));
  EXPECT_EQ(stored_on_subject(nats_url(), stream_name(), subject), expected);
  EXPECT_EQ(outbox_rows(id), 0);
}

TEST(nats_outage, given_nats_down_when_the_node_starts_then_it_serves_and_relays_once_nats_is_up) {
  const auto port = static_cast<std::uint16_t>(std::stoi(env_or("CHRONICLE_TEST_PORT", "18084")));
  nats_restarter restarter;
  ASSERT_EQ(stack_command("nats-stop"), 0);
  restarter.stopped = true;
  node_process node{port};
  ASSERT_TRUE(node.started()) << "see " << node.log_path();
  const std::string id = "natslate-" + unique_suffix();
  ASSERT_EQ(post_json(port, "/commands/create-account",
                      {{"account_id", id}, {"owner_name", "L"}, {"currency", "USD"}})
                .status,
            201);
  ASSERT_EQ(post_json(port, "/commands/deposit", {{"account_id", id}, {"amount", "3"}}).status,
            201);

  ASSERT_EQ(stack_command("nats-start"), 0);
  restarter.stopped = false;
  const auto subject = test_stream().subject_for(id);
  const auto deadline = std::chrono::steady_clock::now() + recovery_timeout;
  while (std::chrono::steady_clock::now() < deadline &&
         !(stored_on_subject(nats_url(), stream_name(), subject) >= 2 && outbox_rows(id) == 0)) {
    std::this_thread::sleep_for(poll_interval);
  }
  EXPECT_EQ(stored_on_subject(nats_url(), stream_name(), subject), 2) << "see " << node.log_path();
  EXPECT_EQ(outbox_rows(id), 0);
}

}  // namespace
}  // namespace chronicle::testing
