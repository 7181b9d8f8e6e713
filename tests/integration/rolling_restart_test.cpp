// Several real nodes on the test stack's databases and stream, as a cluster shares them:
// one projection per read-model database with takeover when its holder is SIGKILLed, two
// relays of which one is SIGKILLed mid-stream with every committed event on the stream exactly
// once, and a rolling restart of a three-node actor cluster (SIGTERM, wait for the exit, start
// again, wait until it has rejoined, next node) under a steady workload that fails no accepted
// command (app/graceful_leave.hpp, cluster/router.hpp).

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <pqxx/pqxx>
#include <thread>

#include "cluster/ownership.hpp"
#include "tests/support/cli.hpp"
#include "tests/support/cluster_nodes.hpp"
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

TEST(node_roles,
     given_two_relays_and_one_killed_mid_stream_then_every_event_is_on_the_stream_once) {
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

// A rolling restart of an actor cluster: three nodes started with --cluster, so that each
// account has one owner and a node forwards what it does not own. A steady workload: each
// client deposits 1 into its own accounts in turn (so no two commands of one account race;
// each client has accounts of every owner), through the nodes in turn, each command with an
// Idempotency-Key of its own. A 503 NODE_DRAINING was not accepted, nor was a command a node
// never answered when it was sent after the node's SIGTERM (a refused connection): the client
// sends the same command, same key, to the next node, as a real client would. Anything else
// that is not a 2xx is a failure — a command sent BEFORE the SIGTERM that gets no answer was
// taken and dropped, and a 503 OWNER_LOST or unavailable means that a command forwarded to
// the leaving owner was lost on its way.
struct acknowledged {
  std::string key;
  std::string event_id;
  std::int64_t version = 0;
  std::string balance;
};

struct workload {
  using clock = std::chrono::steady_clock;

  std::vector<std::string> ids;
  std::vector<std::uint16_t> ports;
  // Per node, when the test sent its current SIGTERM (clock ticks; 0: none since it started).
  std::vector<std::unique_ptr<std::atomic<clock::rep>>> terminated_at;
  std::atomic<bool> stop{false};
  std::mutex mutex;
  std::map<std::string, std::vector<acknowledged>> accepted;  // per account, in order
  std::map<int, int> refused;                                 // status -> count (0: no connection)
  std::vector<std::string> failures;                          // anything else

  void run(int client) {
    const auto mine = ids.size() / clients;
    for (std::uint64_t n = 0; !stop.load(); ++n) {
      const auto& id = ids[static_cast<std::size_t>(client) * mine + n % mine];
      const auto key =
          n % 2 == 0 ? "" : "roll-" + std::to_string(client) + "-" + std::to_string(n) + "-" + id;
      send(id, key, static_cast<std::size_t>(client + n));
      std::this_thread::sleep_for(5ms);
    }
  }

  void send(const std::string& id, const std::string& key, std::size_t first_node) {
    for (std::size_t attempt = 0; attempt < 50; ++attempt) {
      const auto node = (first_node + attempt) % ports.size();
      const auto port = ports[node];
      const auto sent_at = clock::now().time_since_epoch().count();
      std::map<std::string, std::string> headers;
      if (!key.empty()) headers["Idempotency-Key"] = key;
      const auto r = post_json(port, "/commands/deposit", {{"account_id", id}, {"amount", "1"}},
                               headers, 15'000);
      std::lock_guard<std::mutex> lock{mutex};
      if (r.status == 201 || r.status == 200) {
        const auto reply = r.json();
        accepted[id].push_back({key, reply.value("event_id", ""),
                                reply.value("version", std::int64_t{0}),
                                reply.value("balance", "")});
        return;
      }
      const bool draining = r.status == 503 && r.json().value("code", "") == "NODE_DRAINING";
      const auto term = terminated_at[node]->load();
      const bool no_connection = r.status == 0 && r.body.empty() && term != 0 && sent_at > term;
      if (!draining && !no_connection) {
        failures.push_back(key + " via " + std::to_string(port) + ": " + std::to_string(r.status) +
                           " " + r.body);
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

constexpr int cluster_nodes = 3;
constexpr int accounts_per_owner = 4;  // one per client: each client writes to every owner
constexpr auto membership_wait = 20s;

std::uint16_t caf_port_of(int n) {
  return static_cast<std::uint16_t>(port_of(130 + n));
}

// `per_owner` account ids owned by each of `members` (rendezvous, as the nodes choose), in
// turns: member 0's first, member 1's first, ..., member 0's second, ...
std::vector<std::string> accounts_owned_in_turn(const std::string& prefix,
                                                const std::vector<std::string>& members,
                                                int per_owner) {
  std::vector<std::vector<std::string>> owned(members.size());
  for (int k = 0; k < 100'000; ++k) {
    auto id = prefix + "-" + std::to_string(k);
    const auto owner = cluster::owner_of(id, members);
    for (std::size_t m = 0; m < members.size(); ++m) {
      if (members[m] == owner && owned[m].size() < static_cast<std::size_t>(per_owner)) {
        owned[m].push_back(std::move(id));
        break;
      }
    }
  }
  std::vector<std::string> ids;
  for (int i = 0; i < per_owner; ++i) {
    for (const auto& list : owned) ids.push_back(list.at(static_cast<std::size_t>(i)));
  }
  return ids;
}

// The account's events as stored: (command id, event id) by version.
std::vector<std::pair<std::string, std::string>> stored_events(const std::string& id) {
  pqxx::connection conn{events_db()};
  pqxx::read_transaction txn{conn};
  std::vector<std::pair<std::string, std::string>> out;
  std::int64_t version = 0;
  for (const auto& row : txn.exec_params(
           "SELECT version, command_id, event_id::text FROM events WHERE account_id = $1 "
           "ORDER BY version",
           id)) {
    EXPECT_EQ(row[0].as<std::int64_t>(), ++version) << id << ": versions must be contiguous";
    out.emplace_back(row[1].as<std::string>(), row[2].as<std::string>());
  }
  return out;
}

TEST(node_roles, given_a_rolling_restart_of_a_cluster_under_load_then_no_accepted_command_fails) {
  const auto suffix = unique_suffix();
  std::vector<std::string> members;
  for (int n = 0; n < cluster_nodes; ++n)
    members.push_back("roll" + std::to_string(n) + "-" + suffix);
  const auto start = [&](int n) {
    return std::make_unique<node_process>(port_of(30 + n),
                                          cluster_args(members[n], caf_port_of(n)));
  };
  std::vector<std::unique_ptr<node_process>> nodes;
  workload load;
  for (int n = 0; n < cluster_nodes; ++n) {
    nodes.push_back(start(n));
    ASSERT_TRUE(nodes.back()->started()) << "see " << nodes.back()->log_path();
    load.ports.push_back(nodes.back()->port());
    load.terminated_at.push_back(std::make_unique<std::atomic<workload::clock::rep>>(0));
  }
  ASSERT_TRUE(converged(load.ports, members, membership_wait));
  load.ids = accounts_owned_in_turn("roll-" + suffix, members, accounts_per_owner);
  for (std::size_t i = 0; i < load.ids.size(); ++i) {
    ASSERT_EQ(post_json(load.ports[i % load.ports.size()], "/commands/create-account",
                        {{"account_id", load.ids[i]}, {"owner_name", "Rolf"}, {"currency", "EUR"}})
                  .status,
              201);
  }
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) threads.emplace_back([&load, c] { load.run(c); });

  std::this_thread::sleep_for(1s);
  for (int n = 0; n < cluster_nodes; ++n) {
    auto& node = nodes[static_cast<std::size_t>(n)];
    load.terminated_at[n]->store(workload::clock::now().time_since_epoch().count());
    const auto signalled = workload::clock::now();
    EXPECT_EQ(node->terminate(leave_wait_ms), 0) << "see " << node->log_path();
    std::fprintf(stderr, "%s left in %lld ms\n", members[n].c_str(),
                 static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                            workload::clock::now() - signalled)
                                            .count()));
    node = start(n);
    ASSERT_TRUE(node->started()) << "see " << node->log_path();
    load.terminated_at[n]->store(0);
    // Rejoined: every node lists it, and it serves the accounts it owns (their actors live
    // there again: the workload writes to each of them every few milliseconds).
    EXPECT_TRUE(converged(load.ports, members, membership_wait)) << members[n];
    EXPECT_TRUE(eventually(
        [&] { return accounts_on(node->port()) >= std::uint64_t{accounts_per_owner}; },
        membership_wait))
        << members[n] << " owns no accounts again";
  }
  std::this_thread::sleep_for(1s);
  load.stop.store(true);
  for (auto& t : threads) t.join();

  EXPECT_TRUE(load.failures.empty())
      << load.failures.size()
      << " failed, first: " << (load.failures.empty() ? "" : load.failures.front());
  std::size_t total = 0;
  for (const auto& id : load.ids) {
    // The store holds the account's creation, then exactly the acknowledged deposits, each at
    // the version and with the event its client was told, in order: none lost, none twice.
    const auto& told = load.accepted[id];
    const auto stored = stored_events(id);
    ASSERT_EQ(stored.size(), 1 + told.size()) << id;
    for (std::size_t i = 0; i < told.size(); ++i) {
      EXPECT_EQ(told[i].version, static_cast<std::int64_t>(i + 2)) << id;
      if (!told[i].key.empty()) {
        EXPECT_EQ(stored[i + 1].first, told[i].key) << id << " version " << i + 2;
      }
      EXPECT_EQ(stored[i + 1].second, told[i].event_id) << id << " version " << i + 2;
      EXPECT_EQ(told[i].balance, std::to_string(i + 1) + ".00") << id;
    }
    total += told.size();
    const auto strong =
        http_request(load.ports[0], "GET", "/accounts/" + id + "?consistency=strong").json();
    EXPECT_EQ(strong.value("version", std::int64_t{0}), static_cast<std::int64_t>(1 + told.size()))
        << id;
    EXPECT_EQ(strong.value("balance", ""), std::to_string(told.size()) + ".00") << id;
    EXPECT_TRUE(eventually([&] { return on_stream_once(id); }, converge_wait)) << id;
    EXPECT_TRUE(eventually(
        [&] {
          return view_version(load.ports[0], id) == static_cast<std::int64_t>(1 + told.size());
        },
        converge_wait))
        << id;
    const auto verified = run_cli("verify --account " + id);
    EXPECT_EQ(verified.exit_code, 0) << verified.output;
  }
  EXPECT_GT(total, 0u);
  std::fprintf(stderr, "rolling restart: %zu deposits accepted; refused and retried:", total);
  for (const auto& [status, count] : load.refused) std::fprintf(stderr, " %d x %d", count, status);
  std::fprintf(stderr, "\n");
}

// The interleaving a rolling restart meets by chance, made certain: a command forwarded to its
// owner is in flight there (the test holds the row its append must insert) when the owner is
// told to leave. The owner refuses what is forwarded to it from then on (the survivor sends it
// to the next owner), answers the command it took once the row is free, and only then leaves
// the membership: without a key, the command gets its 201, not a 503 OWNER_LOST.
TEST(node_roles, given_an_owner_leaving_with_a_forwarded_command_in_flight_then_it_is_answered) {
  const auto suffix = unique_suffix();
  const std::vector<std::string> members{"leaving-" + suffix, "staying-" + suffix};
  node_process leaving{port_of(33), cluster_args(members[0], caf_port_of(3))};
  node_process staying{port_of(34), cluster_args(members[1], caf_port_of(4))};
  ASSERT_TRUE(leaving.started()) << "see " << leaving.log_path();
  ASSERT_TRUE(staying.started()) << "see " << staying.log_path();
  ASSERT_TRUE(converged({leaving.port(), staying.port()}, members, membership_wait));
  // Both owned by the node that leaves: its first two accounts.
  const auto owned = accounts_owned_in_turn("inflight-" + suffix, members, 2);
  const auto held = owned[0];
  const auto next = owned[members.size()];
  for (const auto& id : {held, next}) {
    ASSERT_EQ(post_json(staying.port(), "/commands/create-account",
                        {{"account_id", id}, {"owner_name", "Lea"}, {"currency", "EUR"}})
                  .status,
              201);
  }

  // The owner's append of version 2 waits on this uncommitted row with the same key.
  pqxx::connection conn{admin_db()};
  pqxx::work hold{conn};
  hold.exec_params(
      "INSERT INTO events (account_id, version, event_id, event_type, schema_version, payload, "
      "command_id, occurred_at, prev_hash, hash) "
      "VALUES ($1, 2, gen_random_uuid(), 'held', 1, '{}', 'held', now(), '', '')",
      held);
  auto in_flight = std::async(std::launch::async, [&] {
    return post_json(staying.port(), "/commands/deposit", {{"account_id", held}, {"amount", "1"}});
  });
  const auto owner_waits = [&] {
    return hold.exec1(
                   "SELECT count(*) FROM pg_locks WHERE locktype = 'transactionid' AND NOT "
                   "granted AND transactionid::text = txid_current()::text")[0]
               .as<int>() > 0;
  };
  ASSERT_TRUE(eventually(owner_waits, converge_wait)) << "the forwarded command never arrived";

  auto left = std::async(std::launch::async, [&] { return leaving.terminate(leave_wait_ms); });
  ASSERT_TRUE(eventually(
      [&] { return http_request(leaving.port(), "GET", "/health").status == 503; }, converge_wait));
  // Forwarded after the SIGTERM: refused by the leaving owner, applied by the next one.
  const auto after =
      post_json(staying.port(), "/commands/deposit", {{"account_id", next}, {"amount", "1"}});
  EXPECT_EQ(after.status, 201) << after.body;
  // Several membership ticks: a survivor that saw the owner leave now would drop the command.
  std::this_thread::sleep_for(std::chrono::milliseconds{4 * cluster_heartbeat_ms});
  hold.abort();

  const auto reply = in_flight.get();
  EXPECT_EQ(reply.status, 201) << reply.body;
  EXPECT_EQ(reply.json().value("version", std::int64_t{0}), 2);
  EXPECT_EQ(left.get(), 0) << "see " << leaving.log_path();
  EXPECT_EQ(committed_events(held), 2);
  EXPECT_EQ(committed_events(next), 2);
}

}  // namespace
}  // namespace chronicle::testing
