// Several real nodes on the test stack's databases and stream, as a cluster shares them:
// one projection per read-model database with takeover when its holder is SIGKILLed, two
// relays of which one is SIGKILLed mid-stream with every committed event on the stream exactly
// once, and a rolling restart (SIGTERM, wait for the exit, start again, next node) under a
// steady workload that fails no accepted command (app/graceful_leave.hpp).

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <pqxx/pqxx>
#include <thread>

#include "tests/support/cli.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/node_process.hpp"
#include "tests/support/stream_reader.hpp"
#include "tests/support/test_stream.hpp"

namespace chronicle::testing {
namespace {

using namespace std::chrono_literals;

constexpr auto poll_interval = 100ms;
// The projection's takeover bound (standby poll 1 s) with a loaded machine on top.
constexpr auto takeover_wait = 10s;
constexpr auto converge_wait = 30s;
constexpr int leave_wait_ms = 20'000;  // the node's bound is 10 s
constexpr int accounts = 8;
constexpr int clients = 4;  // enough that each SIGTERM finds commands in flight

std::uint16_t port_of(int n) {
  return static_cast<std::uint16_t>(std::stoi(env_or("CHRONICLE_TEST_PORT", "18100")) + n);
}

template <class Predicate>
bool eventually(Predicate done, std::chrono::milliseconds timeout) {
  return testing::eventually(done, timeout, poll_interval);
}

std::string projection_role(std::uint16_t port) {
  const auto body = http_request(port, "GET", "/health", "", {}, 2000).json();
  if (!body.is_object() || !body.contains("roles")) return "";
  return body["roles"].value("projection", "");
}

std::int64_t committed_events(const std::string& id) {
  pqxx::connection conn{events_db()};
  pqxx::read_transaction txn{conn};
  return txn.exec_params1("SELECT count(*) FROM events WHERE account_id = $1", id)[0]
      .as<std::int64_t>();
}

std::int64_t view_version(std::uint16_t port, const std::string& id) {
  const auto r = http_request(port, "GET", "/accounts/" + id);
  return r.status == 200 ? r.json().value("version", std::int64_t{0}) : 0;
}

// Every committed event of `id` is on the stream exactly once: the subject holds as many
// messages as the store holds events (the relay's Nats-Msg-Id is the event id).
bool on_stream_once(const std::string& id) {
  return stored_on_subject(nats_url(), stream_name(), test_stream().subject_for(id)) ==
         committed_events(id);
}

std::vector<std::string> open_accounts(std::uint16_t port, const std::string& prefix) {
  std::vector<std::string> ids;
  for (int i = 0; i < accounts; ++i) {
    ids.push_back(prefix + "-" + std::to_string(i));
    EXPECT_EQ(post_json(port, "/commands/create-account",
                        {{"account_id", ids.back()}, {"owner_name", "Rolf"}, {"currency", "EUR"}})
                  .status,
              201);
  }
  return ids;
}

TEST(node_roles, given_two_nodes_then_one_projects_and_the_other_takes_over_when_it_is_killed) {
  node_process first{port_of(20)};
  ASSERT_TRUE(first.started()) << "see " << first.log_path();
  ASSERT_TRUE(eventually([&] { return projection_role(first.port()) == "active"; }, takeover_wait));
  node_process second{port_of(21)};
  ASSERT_TRUE(second.started()) << "see " << second.log_path();
  std::this_thread::sleep_for(2s);  // two standby polls: the second would have taken it by now
  EXPECT_EQ(projection_role(first.port()), "active");
  EXPECT_EQ(projection_role(second.port()), "standby");

  first.kill_now();
  const auto killed_at = std::chrono::steady_clock::now();
  ASSERT_TRUE(eventually([&] { return projection_role(second.port()) == "active"; }, takeover_wait))
      << "see " << second.log_path();
  std::fprintf(stderr, "projection taken over %lld ms after the SIGKILL\n",
               static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                          std::chrono::steady_clock::now() - killed_at)
                                          .count()));
  const auto ids = open_accounts(second.port(), "takeover-" + unique_suffix());
  for (const auto& id : ids) {
    EXPECT_TRUE(eventually([&] { return view_version(second.port(), id) == 1; }, converge_wait))
        << id;
  }
}

TEST(node_roles, given_two_relays_and_one_killed_mid_stream_then_every_event_is_on_the_stream_once) {
  // Batches of one: the killed relay is certain to be between batches, or inside one.
  node_process doomed{port_of(22), {"--relay-batch-max", "1"}};
  node_process survivor{port_of(23), {"--relay-batch-max", "1"}};
  ASSERT_TRUE(doomed.started()) << "see " << doomed.log_path();
  ASSERT_TRUE(survivor.started()) << "see " << survivor.log_path();
  const auto ids = open_accounts(doomed.port(), "relaykill-" + unique_suffix());
  for (int round = 0; round < 20; ++round) {
    for (const auto& id : ids) {
      const auto port = round % 2 == 0 ? doomed.port() : survivor.port();
      ASSERT_EQ(post_json(port, "/commands/deposit", {{"account_id", id}, {"amount", "1"}}).status,
                201);
    }
  }
  doomed.kill_now();
  for (const auto& id : ids) {
    EXPECT_EQ(committed_events(id), 21);
    EXPECT_TRUE(eventually([&] { return on_stream_once(id); }, converge_wait)) << id;
  }
}

TEST(node_roles, given_a_leave_that_cannot_flush_then_it_exits_1_and_another_relay_publishes) {
  // NATS on a port nobody listens on: this node commits, but its relay cannot publish.
  const auto dead_nats = "nats://127.0.0.1:" + std::to_string(port_of(40));
  node_process cut_off{port_of(24), {"--nats", dead_nats, "--shutdown-timeout-ms", "2000"}};
  ASSERT_TRUE(cut_off.started()) << "see " << cut_off.log_path();
  const auto ids = open_accounts(cut_off.port(), "unflushed-" + unique_suffix());
  EXPECT_EQ(cut_off.terminate(leave_wait_ms), 1) << "see " << cut_off.log_path();
  for (const auto& id : ids) EXPECT_EQ(committed_events(id), 1);

  node_process relay{port_of(25)};
  ASSERT_TRUE(relay.started()) << "see " << relay.log_path();
  for (const auto& id : ids) {
    EXPECT_TRUE(eventually([&] { return on_stream_once(id); }, converge_wait)) << id;
  }
}

// A steady workload: each client deposits 1 into its own accounts in turn (so no two commands
// of one account race), through the nodes in turn, each command with an Idempotency-Key of its
// own. A 503 NODE_DRAINING was not accepted, nor was a command a node never answered when it
// was sent after the node's SIGTERM (a refused connection): the client sends the same command,
// same key, to the next node. A command sent BEFORE the SIGTERM that gets no answer was taken
// and dropped: a failure (before graceful leave, SIGTERM dropped the commands in flight).
struct workload {
  using clock = std::chrono::steady_clock;

  std::vector<std::string> ids;
  std::vector<std::uint16_t> ports;
  // Per node, when the test sent its current SIGTERM (clock ticks; 0: none since it started).
  std::vector<std::unique_ptr<std::atomic<clock::rep>>> terminated_at;
  std::atomic<bool> stop{false};
  std::mutex mutex;
  std::map<std::string, std::int64_t> accepted;  // deposits acknowledged per account
  std::map<int, int> refused;                     // status -> count (0: no connection)
  std::vector<std::string> failures;              // anything else

  void run(int client) {
    const auto mine = ids.size() / clients;
    for (std::uint64_t n = 0; !stop.load(); ++n) {
      const auto& id = ids[static_cast<std::size_t>(client) * mine + n % mine];
      const auto key = "roll-" + std::to_string(client) + "-" + std::to_string(n) + "-" + id;
      send(id, key, static_cast<std::size_t>(client + n));
      std::this_thread::sleep_for(5ms);
    }
  }

  void send(const std::string& id, const std::string& key, std::size_t first_node) {
    for (std::size_t attempt = 0; attempt < 50; ++attempt) {
      const auto node = (first_node + attempt) % ports.size();
      const auto port = ports[node];
      const auto sent_at = clock::now().time_since_epoch().count();
      const auto r = post_json(port, "/commands/deposit", {{"account_id", id}, {"amount", "1"}},
                               {{"Idempotency-Key", key}}, 15'000);
      std::lock_guard<std::mutex> lock{mutex};
      if (r.status == 201 || r.status == 200) {
        ++accepted[id];
        return;
      }
      const bool draining = r.status == 503 && r.json().value("code", "") == "NODE_DRAINING";
      const auto term = terminated_at[node]->load();
      const bool no_connection = r.status == 0 && r.body.empty() && term != 0 && sent_at > term;
      if (!draining && !no_connection) {
        failures.push_back(key + ": " + std::to_string(r.status) + " " + r.body);
        return;
      }
      ++refused[r.status];
      if (draining) {
        EXPECT_EQ(r.headers.count("retry-after"), 1u) << "503 NODE_DRAINING without Retry-After";
      }
    }
    std::lock_guard<std::mutex> lock{mutex};
    failures.push_back(key + ": no node accepted it");
  }
};

TEST(node_roles, given_a_rolling_restart_under_load_then_no_accepted_command_fails) {
  std::vector<std::unique_ptr<node_process>> nodes;
  workload load;
  for (int n = 0; n < 3; ++n) {
    nodes.push_back(std::make_unique<node_process>(port_of(30 + n)));
    ASSERT_TRUE(nodes.back()->started()) << "see " << nodes.back()->log_path();
    load.ports.push_back(nodes.back()->port());
    load.terminated_at.push_back(std::make_unique<std::atomic<workload::clock::rep>>(0));
  }
  load.ids = open_accounts(load.ports[0], "roll-" + unique_suffix());
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) threads.emplace_back([&load, c] { load.run(c); });

  std::this_thread::sleep_for(1s);
  for (std::size_t n = 0; n < nodes.size(); ++n) {
    auto& node = nodes[n];
    const auto port = node->port();
    load.terminated_at[n]->store(workload::clock::now().time_since_epoch().count());
    EXPECT_EQ(node->terminate(leave_wait_ms), 0) << "see " << node->log_path();
    node = std::make_unique<node_process>(port);
    EXPECT_TRUE(node->started()) << "see " << node->log_path();
    load.terminated_at[n]->store(0);
    std::this_thread::sleep_for(1s);
  }
  load.stop.store(true);
  for (auto& t : threads) t.join();

  EXPECT_TRUE(load.failures.empty()) << load.failures.size() << " failed, first: "
                                     << (load.failures.empty() ? "" : load.failures.front());
  std::int64_t total = 0;
  for (const auto& id : load.ids) {
    // Each acknowledged deposit is one event after the account's creation: no more, no less.
    EXPECT_EQ(committed_events(id), 1 + load.accepted[id]) << id;
    total += load.accepted[id];
    EXPECT_TRUE(eventually([&] { return on_stream_once(id); }, converge_wait)) << id;
    EXPECT_TRUE(eventually([&] { return view_version(load.ports[0], id) == 1 + load.accepted[id]; },
                           converge_wait))
        << id;
    const auto verified = run_cli("verify --account " + id);
    EXPECT_EQ(verified.exit_code, 0) << verified.output;
  }
  EXPECT_GT(total, 0);
  std::fprintf(stderr, "rolling restart: %lld deposits accepted; refused and retried:",
               static_cast<long long>(total));
  for (const auto& [status, count] : load.refused) std::fprintf(stderr, " %d x %d", count, status);
  std::fprintf(stderr, "\n");
}

}  // namespace
}  // namespace chronicle::testing
