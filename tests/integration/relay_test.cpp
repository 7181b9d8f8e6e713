// The bus on the local stack's real NATS JetStream (its contract, shared with the in-memory
// twin, is in bus_contract_test.cpp), and the outbox relay of a real chronicled: events reach the suites' own stream (LEDGER_TEST) on the account's subject
// with Nats-Msg-Id = event_id, exactly once, and leave the outbox.

#include <gtest/gtest.h>

#include <chrono>
#include <pqxx/pqxx>
#include <set>
#include <thread>

#include "messaging/nats_bus.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/node_process.hpp"
#include "tests/support/stream_reader.hpp"
#include "tests/support/test_bus.hpp"
#include "tests/support/test_stream.hpp"

namespace chronicle::testing {
namespace {

using namespace std::chrono_literals;

constexpr auto relay_timeout = 30s;
constexpr auto read_timeout = 5s;
constexpr auto poll_interval = 200ms;
constexpr int publish_timeout_ms = 5'000;


template <class Predicate>
bool eventually(Predicate done, std::chrono::milliseconds timeout) {
  return testing::eventually(done, timeout, poll_interval);
}

std::int64_t outbox_rows(const std::string& account_id) {
  pqxx::connection conn{events_db()};
  pqxx::read_transaction txn{conn};
  return txn.exec_params1("SELECT count(*) FROM outbox WHERE account_id = $1", account_id)[0]
      .as<std::int64_t>();
}

TEST(nats_bus, given_stream_ensured_twice_then_harmless_and_configured_as_specified) {
  auto bus = connected_bus(nats_url(), "relay_test", test_stream());
  ASSERT_TRUE(bus);
  ASSERT_TRUE(bus->ensure_stream().ok());
  ASSERT_TRUE(bus->ensure_stream().ok());
  const auto settings = read_stream_settings(nats_url(), stream_name());
  ASSERT_TRUE(settings.found);
  EXPECT_EQ(settings.subjects, (std::vector<std::string>{test_stream().subjects()}));
  EXPECT_TRUE(settings.file_storage);
  EXPECT_EQ(settings.duplicates_ns, 120'000'000'000LL);
  EXPECT_EQ(settings.max_age_ns, 7LL * 24 * 3600 * 1'000'000'000LL);
  EXPECT_EQ(settings.max_bytes, 1LL << 30);
}

TEST(relay, given_commands_through_a_node_then_events_on_the_stream_once_and_outbox_drained) {
  const auto port = static_cast<std::uint16_t>(std::stoi(env_or("CHRONICLE_TEST_PORT", "18083")));
  node_process node{port};
  ASSERT_TRUE(node.started()) << "see " << node.log_path();
  const std::string id = "relay-" + unique_suffix();
  ASSERT_EQ(post_json(port, "/commands/create-account",
                      {{"account_id", id}, {"owner_name", "R"}, {"currency", "EUR"}})
                .status,
            201);
  for (int i = 0; i < 2; ++i) {
    ASSERT_EQ(post_json(port, "/commands/deposit", {{"account_id", id}, {"amount", "1.50"}}).status,
              201);
  }
  const auto events = http_request(port, "GET", "/accounts/" + id + "/events?limit=100").json();
  ASSERT_EQ(events["events"].size(), 3u);

  const auto subject = test_stream().subject_for(id);
  ASSERT_TRUE(eventually([&] { return stored_on_subject(nats_url(), stream_name(), subject) >= 3; },
                         relay_timeout))
      << "see " << node.log_path();
  const auto stored = read_subject(nats_url(), stream_name(), subject, read_timeout);
  ASSERT_EQ(stored.size(), 3u);
  for (std::size_t i = 0; i < stored.size(); ++i) {
    const auto& event = events["events"][i];
    EXPECT_EQ(stored[i].subject, subject);
    EXPECT_EQ(stored[i].msg_id, event["event_id"].get<std::string>());
    const auto payload = nlohmann::json::parse(stored[i].payload);
    EXPECT_EQ(payload["event_id"], event["event_id"]);
    EXPECT_EQ(payload["version"], static_cast<int>(i + 1));
    EXPECT_EQ(payload["hash"], event["hash"]);
  }
  EXPECT_EQ(stored_on_subject(nats_url(), stream_name(), subject), 3);
  EXPECT_TRUE(eventually([&] { return outbox_rows(id) == 0; }, relay_timeout));
}

}  // namespace
}  // namespace chronicle::testing
