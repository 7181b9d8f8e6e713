// Three real nodes in one cluster on the test stack (one PostgreSQL, one NATS): membership in
// the NATS key-value bucket, ownership by rendezvous hashing, forwarding over CAF remoting,
// fail-fast when an owner dies with a request in flight, failover of its accounts to the
// survivors within the detection bound, and rebalancing when it comes back.
//
// The tests of this suite run in order on the same three nodes.

#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include "cluster/ownership.hpp"
#include "tests/support/cluster_nodes.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/node_process.hpp"

namespace chronicle::testing {
namespace {

using nlohmann::json;
using clock_type = std::chrono::steady_clock;

constexpr int nodes = 3;
constexpr auto membership_wait = std::chrono::seconds{20};
constexpr int accounts_per_node = 4;

std::uint16_t port_base() {
  return static_cast<std::uint16_t>(std::stoi(env_or("CHRONICLE_TEST_PORT_BASE", "18080")));
}
std::uint16_t http_port(int i) {
  return static_cast<std::uint16_t>(port_base() + 20 + i);
}
std::uint16_t caf_port(int i) {
  return static_cast<std::uint16_t>(port_base() + 100 + i);
}

class cluster : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    suffix_ = unique_suffix();
    for (int i = 0; i < nodes; ++i) start(i);
  }
  static void TearDownTestSuite() {
    for (auto& n : nodes_) n.reset();
  }

  static std::string id(int i) { return "c" + std::to_string(i) + "-" + suffix_; }
  static std::vector<std::string> ids(std::vector<int> which) {
    std::vector<std::string> out;
    for (int i : which) out.push_back(id(i));
    return out;
  }
  static void start(int i) {
    nodes_[i] = std::make_unique<node_process>(http_port(i), cluster_args(id(i), caf_port(i)));
  }
  // Whether every node in `on` sees exactly `expected` as members within `within`.
  static bool converged(const std::vector<int>& on, std::vector<std::string> expected,
                        std::chrono::milliseconds within) {
    std::vector<std::uint16_t> ports;
    for (int i : on) ports.push_back(http_port(i));
    return testing::converged(ports, std::move(expected), within);
  }
  // An account id owned by node `owner` when `members` are live.
  static std::string account_owned_by(int owner, const std::vector<std::string>& members, int nth) {
    int found = 0;
    for (int k = 0; k < 100'000; ++k) {
      auto account = "cl-" + suffix_ + "-" + std::to_string(k);
      if (chronicle::cluster::owner_of(account, members) == id(owner) && found++ == nth) {
        return account;
      }
    }
    return {};
  }
  // Deposits 1.00 to each of the accounts node `owner` owns when all three are live, through
  // the other two in turn: each must be accepted.
  static void deposit_to_accounts_of(int owner) {
    const auto all = ids({0, 1, 2});
    for (int n = 0; n < accounts_per_node; ++n) {
      const auto account = account_owned_by(owner, all, n);
      const auto r = post_json(http_port((owner + 1 + n % 2) % nodes), "/commands/deposit",
                               {{"account_id", account}, {"amount", "1.00"}});
      EXPECT_EQ(r.status, 201) << account << ": " << r.body;
    }
  }
  static json balance_strong(int via, const std::string& account) {
    const auto r =
        http_request(http_port(via), "GET", "/accounts/" + account + "?consistency=strong");
    return r.status == 200 ? r.json() : json{{"status", r.status}};
  }

  static inline std::string suffix_;
  static inline std::array<std::unique_ptr<node_process>, nodes> nodes_;
};

TEST_F(cluster, given_three_nodes_then_each_sees_all_three_members) {
  for (int i = 0; i < nodes; ++i) ASSERT_TRUE(nodes_[i]->started()) << nodes_[i]->log_path();
  ASSERT_TRUE(converged({0, 1, 2}, ids({0, 1, 2}), membership_wait));
  // Each member's own view of the event store travels with its next heartbeat.
  const auto all_up = [] {
    for (const auto& m : cluster_of(http_port(0)).value("members", json::array())) {
      if (m.value("event_store", "") != "up") return false;
    }
    return true;
  };
  eventually(all_up, membership_wait, std::chrono::milliseconds{100});
  const auto view = cluster_of(http_port(0));
  EXPECT_TRUE(view.value("clustered", false));
  EXPECT_EQ(view.value("failure_detection_ms", 0), cluster_ttl_ms);
  for (const auto& m : view["members"]) {
    EXPECT_EQ(m.value("status", "") == "self", m.value("node_id", "") == id(0));
    EXPECT_NE(m.value("status", ""), "suspect");
    EXPECT_EQ(m.value("event_store", ""), "up");
  }
}

TEST_F(cluster, given_commands_sent_to_non_owners_then_owners_apply_them_and_replies_relay) {
  ASSERT_TRUE(converged({0, 1, 2}, ids({0, 1, 2}), membership_wait));
  const auto all = ids({0, 1, 2});
  for (int owner = 0; owner < nodes; ++owner) {
    for (int n = 0; n < accounts_per_node; ++n) {
      const auto account = account_owned_by(owner, all, n);
      const int via = (owner + 1 + n % 2) % nodes;  // never the owner
      const auto created = post_json(http_port(via), "/commands/create-account",
                                     {{"account_id", account},
                                      {"owner_name", "C"},
                                      {"currency", "EUR"},
                                      {"initial_balance", "10.00"}});
      ASSERT_EQ(created.status, 201) << created.body;
      const auto deposit = post_json(http_port((via + 1) % nodes), "/commands/deposit",
                                     {{"account_id", account}, {"amount", "5.00"}});
      ASSERT_EQ(deposit.status, 201) << deposit.body;
      EXPECT_EQ(deposit.json().value("balance", ""), "15.00");
      EXPECT_EQ(deposit.json().value("version", 0), 2);
      // A refusal crosses unchanged: status, code and message.
      const auto refused = post_json(http_port(via), "/commands/withdraw",
                                     {{"account_id", account}, {"amount", "100.00"}});
      EXPECT_EQ(refused.status, 422) << refused.body;
      EXPECT_EQ(refused.json().value("code", ""), "INSUFFICIENT_FUNDS");
      EXPECT_EQ(balance_strong(via, account).value("balance", ""), "15.00");
    }
  }
  // Every account's actor lives on its owner, and nowhere else.
  for (int i = 0; i < nodes; ++i) {
    EXPECT_EQ(accounts_on(http_port(i)), static_cast<std::uint64_t>(accounts_per_node)) << id(i);
    EXPECT_EQ(accounts_on(http_port(i), "owned_accounts"),
              static_cast<std::uint64_t>(accounts_per_node));
    EXPECT_GT(cluster_of(http_port(i)).value("forwarded", 0), 0) << id(i);
  }
}

// The destination's owner keeps its own live actor for the account, which did not take part:
// the source's owner tells it before the transfer's reply goes out, so a strong read sent
// after the reply sees the transfer there, and its next write is decided on the transferred
// balance.
TEST_F(cluster, given_a_transfer_sent_to_a_third_node_then_the_source_owner_applies_it) {
  const auto all = ids({0, 1, 2});
  const auto from = account_owned_by(0, all, 0);
  const auto to = account_owned_by(1, all, 0);
  ASSERT_EQ(balance_strong(2, to).value("version", 0), 2);  // live on its owner
  const auto r = post_json(http_port(2), "/commands/transfer",
                           {{"transfer_id", "t-" + suffix_},
                            {"from_account_id", from},
                            {"to_account_id", to},
                            {"amount", "2.00"}});
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.json().value("from_balance", ""), "13.00");
  EXPECT_EQ(r.json().value("to_balance", ""), "17.00");
  EXPECT_EQ(balance_strong(2, from).value("balance", ""), "13.00");
  const auto after = balance_strong(0, to);
  EXPECT_EQ(after.value("balance", ""), "17.00");
  EXPECT_EQ(after.value("version", 0), 3);
  // The source's owner now also holds an actor of the destination, which it does not own.
  EXPECT_EQ(accounts_on(http_port(0)), static_cast<std::uint64_t>(accounts_per_node + 1));
  EXPECT_EQ(accounts_on(http_port(0), "owned_accounts"),
            static_cast<std::uint64_t>(accounts_per_node));
  const auto next =
      post_json(http_port(2), "/commands/deposit", {{"account_id", to}, {"amount", "1.00"}});
  ASSERT_EQ(next.status, 201) << next.body;
  EXPECT_EQ(next.json().value("balance", ""), "18.00");
  EXPECT_EQ(next.json().value("version", 0), 4);
  EXPECT_EQ(balance_strong(2, to).value("balance", ""), "18.00");
}

// The owner hangs (SIGSTOP) with a forwarded command in flight, then dies (SIGKILL): the
// command is answered within ~1-2 s of the kill, not after the forward timeout (8 s) — and a
// keyed one is applied, exactly once, by the new owner.
TEST_F(cluster, given_the_owner_killed_with_requests_in_flight_then_they_fail_fast) {
  const auto all = ids({0, 1, 2});
  const auto keyed = account_owned_by(2, all, 0);
  const auto unkeyed = account_owned_by(2, all, 1);
  const auto before = balance_strong(0, keyed).value("balance", "");
  ASSERT_EQ(before, "15.00");
  nodes_[2]->pause();
  auto keyed_reply = std::async(std::launch::async, [&] {
    return post_json(http_port(0), "/commands/deposit", {{"account_id", keyed}, {"amount", "1.00"}},
                     {{"Idempotency-Key", "kill-" + suffix_}});
  });
  auto unkeyed_reply = std::async(std::launch::async, [&] {
    return post_json(http_port(1), "/commands/deposit",
                     {{"account_id", unkeyed}, {"amount", "1.00"}});
  });
  // Long enough for both to be forwarded, well below the TTL: the membership still lists it.
  std::this_thread::sleep_for(std::chrono::milliseconds{800});
  const auto killed_at = clock_type::now();
  nodes_[2]->kill_hard();
  const auto k = keyed_reply.get();
  const auto keyed_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - killed_at);
  const auto u = unkeyed_reply.get();
  const auto unkeyed_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - killed_at);
  std::printf("after SIGKILL: keyed reply in %lld ms, unkeyed in %lld ms\n",
              static_cast<long long>(keyed_ms.count()), static_cast<long long>(unkeyed_ms.count()));
  EXPECT_EQ(k.status, 201) << k.body;
  EXPECT_EQ(k.json().value("balance", ""), "16.00");
  EXPECT_EQ(u.status, 503) << u.body;
  EXPECT_EQ(u.json().value("code", ""), "OWNER_LOST");
  EXPECT_LT(keyed_ms.count(), 2'500);
  EXPECT_LT(unkeyed_ms.count(), 2'500);
  // The same key again: the stored outcome, nothing appended.
  const auto again =
      post_json(http_port(1), "/commands/deposit", {{"account_id", keyed}, {"amount", "1.00"}},
                {{"Idempotency-Key", "kill-" + suffix_}});
  EXPECT_EQ(again.status, 201) << again.body;
  EXPECT_TRUE(again.json().value("replayed", false));
  EXPECT_EQ(balance_strong(1, keyed).value("balance", ""), "16.00");
  EXPECT_EQ(balance_strong(1, unkeyed).value("version", 0), 2);
}

TEST_F(cluster, given_a_node_dead_then_its_accounts_move_within_the_bound_and_writes_go_on) {
  // Dead since the previous test: the survivors drop it within the TTL and a tick.
  const auto deadline_ms = cluster_ttl_ms + 1'000;
  ASSERT_TRUE(converged({0, 1}, ids({0, 1}), std::chrono::milliseconds{deadline_ms}));
  deposit_to_accounts_of(2);
}

TEST_F(cluster, given_the_node_back_then_ownership_rebalances_to_it) {
  start(2);
  ASSERT_TRUE(nodes_[2]->started()) << nodes_[2]->log_path();
  ASSERT_TRUE(converged({0, 1, 2}, ids({0, 1, 2}), membership_wait));
  deposit_to_accounts_of(2);
  // The restarted node holds exactly its own accounts again.
  EXPECT_EQ(accounts_on(http_port(2)), static_cast<std::uint64_t>(accounts_per_node));
}

// The survivors still hold live actors of the accounts they owned while it was away; since it
// came back, it wrote those accounts. When it leaves again, those actors must not answer from
// what they knew before: a node's router marks every live account it did not own before an
// ownership change as stale.
TEST_F(cluster, given_the_node_gone_again_then_the_survivors_read_what_it_wrote_meanwhile) {
  const auto all = ids({0, 1, 2});
  std::vector<std::int64_t> versions;
  for (int n = 0; n < accounts_per_node; ++n) {
    versions.push_back(balance_strong(n % 2, account_owned_by(2, all, n)).value("version", 0));
  }
  ASSERT_EQ(nodes_[2]->terminate(20'000), 0);
  ASSERT_TRUE(converged({0, 1}, ids({0, 1}), membership_wait));
  for (int n = 0; n < accounts_per_node; ++n) {
    const auto account = account_owned_by(2, all, n);
    EXPECT_EQ(balance_strong(n % 2, account).value("version", 0), versions[n]) << account;
  }
}

// Invariant 10 makes two owners of one account harmless: two nodes that each meet in a bucket
// of their own both own every account, and both decide on it from their own actor's state.
// Hammered from both, the account ends with contiguous versions, every acknowledged command
// in it, and the balance the acknowledged commands add up to, never below zero.
TEST(double_owner, given_two_nodes_owning_one_account_when_hammered_then_history_is_sound) {
  const auto suffix = unique_suffix();
  std::vector<std::unique_ptr<node_process>> owners;
  for (int i = 0; i < 2; ++i) {
    owners.push_back(std::make_unique<node_process>(
        static_cast<std::uint16_t>(port_base() + 30 + i),
        std::vector<std::string>{
            "--node-id", "d" + std::to_string(i) + "-" + suffix, "--cluster",
            "127.0.0.1:" + std::to_string(port_base() + 110 + i), "--cluster-bucket",
            "LEDGER_TEST_DOUBLE_" + std::to_string(i) + "_" + std::to_string(::getpid())}));
    ASSERT_TRUE(owners.back()->started()) << owners.back()->log_path();
  }
  const auto port_of = [&](int i) { return owners[static_cast<std::size_t>(i)]->port(); };
  for (int i = 0; i < 2; ++i) {
    const auto view = http_request(port_of(i), "GET", "/cluster").json();
    ASSERT_EQ(view["members"].size(), 1U) << "each node must own every account alone";
  }
  const std::string account = "dbl-" + suffix;
  ASSERT_EQ(post_json(port_of(0), "/commands/create-account",
                      {{"account_id", account},
                       {"owner_name", "D"},
                       {"currency", "EUR"},
                       {"initial_balance", "10.00"}})
                .status,
            201);
  constexpr int threads_per_node = 3;
  constexpr int ops_per_thread = 20;
  constexpr int attempts_max = 20;
  std::mutex mutex;
  std::int64_t expected_cents = 1000;
  std::set<std::string> acknowledged_events;
  std::vector<std::thread> workers;
  for (int t = 0; t < 2 * threads_per_node; ++t) {
    workers.emplace_back([&, t] {
      for (int op = 0; op < ops_per_thread; ++op) {
        const bool deposit = (op + t) % 3 == 0;  // more withdrawals: the balance hits zero
        const std::string key =
            "dbl-" + suffix + "-" + std::to_string(t) + "-" + std::to_string(op);
        for (int attempt = 0; attempt < attempts_max; ++attempt) {
          const auto r =
              post_json(port_of(t % 2), deposit ? "/commands/deposit" : "/commands/withdraw",
                        {{"account_id", account}, {"amount", deposit ? "1.00" : "3.00"}},
                        {{"Idempotency-Key", key}});
          if (r.status == 503) continue;  // contended or unknown: the key makes a retry safe
          if (r.status == 201) {
            const std::lock_guard<std::mutex> lock{mutex};
            expected_cents += deposit ? 100 : -300;
            acknowledged_events.insert(r.json().value("event_id", ""));
          }
          break;
        }
      }
    });
  }
  for (auto& w : workers) w.join();
  // Each owner answers a strong read from its own actor, which the other owner's writes left
  // behind: the read asks the store for the latest version first, so both answer the account
  // as stored.
  const auto state =
      http_request(port_of(0), "GET", "/accounts/" + account + "?consistency=strong").json();
  const auto other =
      http_request(port_of(1), "GET", "/accounts/" + account + "?consistency=strong").json();
  EXPECT_EQ(other.value("version", std::int64_t{0}), state.value("version", std::int64_t{0}));
  EXPECT_EQ(other.value("balance", ""), state.value("balance", ""));
  const auto events =
      http_request(port_of(0), "GET", "/accounts/" + account + "/events?limit=1000").json();
  ASSERT_TRUE(events.contains("events")) << events.dump();
  std::int64_t version = 0;
  for (const auto& e : events["events"]) {
    EXPECT_EQ(e.value("version", std::int64_t{0}), ++version) << "versions must be contiguous";
    acknowledged_events.erase(e.value("event_id", ""));
  }
  EXPECT_TRUE(acknowledged_events.empty()) << acknowledged_events.size() << " acknowledged lost";
  EXPECT_EQ(state.value("version", std::int64_t{0}), version);
  EXPECT_GE(expected_cents, 0);
  char expected[32];
  std::snprintf(expected, sizeof expected, "%lld.%02lld",
                static_cast<long long>(expected_cents / 100),
                static_cast<long long>(expected_cents % 100));
  EXPECT_EQ(state.value("balance", ""), expected);
}

}  // namespace
}  // namespace chronicle::testing
