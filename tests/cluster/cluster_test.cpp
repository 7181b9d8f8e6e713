// The local three-node cluster (infra/cluster/cluster.sh) under process kills, with deposits
// going through all three nodes' HTTP endpoints the whole time:
// - a ledger node dies: the clients of the other two see no failure; the dead node's clients
//   resume when it returns;
// - the NATS server leading the LEDGER stream dies: commits go on, and the read models
//   catch up with every acknowledged deposit once a new leader is elected;
// - the Patroni leader (its PostgreSQL with it) dies: writes resume on all three nodes after
//   a failover, and no acknowledged deposit is missing from the event store.
// Each measures its window (printed, and recorded in docs/FAILURE_SCENARIOS.md); every wait
// is bounded. The suite starts the cluster and stops it at the end.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <optional>
#include <pqxx/pqxx>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "client/http_client.hpp"
#include "tests/support/cli.hpp"
#include "tests/support/node_process.hpp"

namespace chronicle::testing {
namespace {

using clock_type = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr int node_count = 3;
constexpr int clients_per_node = 2;
constexpr int request_timeout_ms = 5'000;
constexpr auto retry_pause = 50ms;
// Between two deposits of a client: a steady load that leaves the two cores, which also run
// the twelve servers, room for the cluster's scripts (at full speed, `cluster.sh status`
// took close to a minute).
constexpr auto deposit_pause = 20ms;
constexpr auto steady_phase = 3s;
// A fault must be over (writes back, read models caught up) within this, or the test fails.
constexpr auto recovery_deadline = 90s;
constexpr int successes_after_fault_min = 5;

std::string script() {
  return env_or("CHRONICLE_CLUSTER_SCRIPT", "infra/cluster/cluster.sh");
}

// KEY=value lines of a cluster.sh call's stdout (its progress on stderr goes to the log).
std::map<std::string, std::string> run_script(const std::string& args, int& exit_code) {
  const auto out = run_command(script() + " " + args, stderr_output::dropped);
  exit_code = out.exit_code;
  std::map<std::string, std::string> values;
  std::istringstream lines{out.output};
  for (std::string line; std::getline(lines, line);) {
    const auto eq = line.find('=');
    if (eq != std::string::npos) values[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return values;
}

// The member (1-3) leading KIND (db: Patroni, nats: the LEDGER stream) now.
std::optional<int> leader_of(const std::string& kind) {
  const auto out = run_command(script() + " leader " + kind, stderr_output::dropped);
  if (out.exit_code != 0 || out.output.empty()) return std::nullopt;
  const char n = out.output[0];
  if (n < '1' || n > '3') return std::nullopt;
  return n - '0';
}

bool run_ok(const std::string& args) {
  int code = -1;
  run_script(args, code);
  return code == 0;
}

double seconds(clock_type::duration d) {
  return std::chrono::duration<double>(d).count();
}

struct attempt {
  int client = 0;
  clock_type::time_point start, end;
  int status = 0;
};

// Deposits of 1.00 from each client to an account of its own, through one node per client;
// a failed attempt is retried with the same Idempotency-Key until it is acknowledged.
class traffic {
 public:
  traffic(std::vector<std::uint16_t> ports, std::string key, std::string prefix)
      : ports_(std::move(ports)), bearer_("Bearer " + std::move(key)), prefix_(std::move(prefix)) {
    acked_.resize(node_count * clients_per_node);
    pending_.resize(acked_.size(), 0);
  }
  ~traffic() { stop(); }
  traffic(const traffic&) = delete;
  traffic& operator=(const traffic&) = delete;

  int clients() const { return static_cast<int>(acked_.size()); }
  int node_of(int client) const { return client % node_count; }
  std::uint16_t port_of(int client) const { return ports_[node_of(client)]; }
  std::string account(int client) const { return prefix_ + "-" + std::to_string(client); }

  // Empty when every client's account opened, else what the first refusal said.
  std::string open_accounts() const {
    for (int c = 0; c < clients(); ++c) {
      const nlohmann::json body{
          {"account_id", account(c)}, {"owner_name", "cluster test"}, {"currency", "EUR"}};
      const auto r = client::post_json(port_of(c), "/commands/create-account", body,
                                       {{"Authorization", bearer_}}, request_timeout_ms);
      if (r.status != 201) return "port " + std::to_string(port_of(c)) + ": " +
                                  std::to_string(r.status) + " " + r.body;
    }
    return "";
  }

  void start() {
    for (int c = 0; c < clients(); ++c) threads_.emplace_back([this, c] { run(c); });
  }
  void stop() {
    stop_ = true;
    for (auto& t : threads_) t.join();
    threads_.clear();
  }

  // Acknowledged successes of clients on NODE (-1: any) whose request began at or after T.
  int successes_since(clock_type::time_point t, int node = -1) const {
    std::lock_guard<std::mutex> lock{mutex_};
    return static_cast<int>(std::count_if(attempts_.begin(), attempts_.end(), [&](const auto& a) {
      return a.status == 201 && a.start >= t && (node < 0 || node_of(a.client) == node);
    }));
  }
  std::vector<attempt> attempts() const {
    std::lock_guard<std::mutex> lock{mutex_};
    return attempts_;
  }
  // The event ids acknowledged to each client, and whether a client stopped with an attempt
  // unanswered (that deposit may or may not be stored).
  const std::vector<std::vector<std::string>>& acked() const { return acked_; }
  bool pending(int client) const { return pending_[client] != 0; }
  const std::string& bearer() const { return bearer_; }

 private:
  void run(int c) {
    for (int seq = 0; !stop_; ++seq) {
      const std::string key = prefix_ + "-" + std::to_string(c) + "-" + std::to_string(seq);
      pending_[c] = 1;
      while (!stop_) {
        attempt a{c, clock_type::now(), {}, 0};
        const auto r = client::post_json(
            port_of(c), "/commands/deposit", {{"account_id", account(c)}, {"amount", "1.00"}},
            {{"Authorization", bearer_}, {"Idempotency-Key", key}}, request_timeout_ms);
        a.end = clock_type::now();
        a.status = r.status;
        record(a);
        if (r.status == 201) {
          acked_[c].push_back(r.json().value("event_id", ""));
          pending_[c] = 0;
          std::this_thread::sleep_for(deposit_pause);
          break;
        }
        std::this_thread::sleep_for(retry_pause);
      }
    }
  }
  void record(const attempt& a) {
    std::lock_guard<std::mutex> lock{mutex_};
    attempts_.push_back(a);
  }

  std::vector<std::uint16_t> ports_;
  std::string bearer_;
  std::string prefix_;
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
  mutable std::mutex mutex_;
  std::vector<attempt> attempts_;
  std::vector<std::vector<std::string>> acked_;
  std::vector<char> pending_;  // one per client, each written by its own thread only
};

// The unavailability window of a fault whose kill had completed at FAULT: from the last
// acknowledged write before that to the first acknowledged write begun after it, over the
// clients CLIENT_OK accepts.
template <typename Filter>
std::optional<double> window(const std::vector<attempt>& attempts, clock_type::time_point fault,
                             Filter client_ok) {
  std::optional<clock_type::time_point> last_before, first_after;
  for (const auto& a : attempts) {
    if (a.status != 201 || !client_ok(a.client)) continue;
    if (a.end <= fault) last_before = std::max(last_before.value_or(a.end), a.end);
    if (a.start >= fault) first_after = std::min(first_after.value_or(a.end), a.end);
  }
  if (!last_before || !first_after) return std::nullopt;
  return seconds(*first_after - *last_before);
}

class cluster : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const auto began = clock_type::now();
    int code = -1;
    auto values = run_script("start", code);
    started_ = code == 0 && !values["CHRONICLE_API_KEY"].empty();
    if (!started_) return;
    std::printf("cluster started in %.1f s\n", seconds(clock_type::now() - began));
    key_ = values["CHRONICLE_API_KEY"];
    std::istringstream urls{values["CHRONICLE_NODE_URLS"]};
    for (std::string url; std::getline(urls, url, ',');) {
      ports_.push_back(static_cast<std::uint16_t>(std::stoi(url.substr(url.rfind(':') + 1))));
    }
    events_db_ = run_script("env", code)["CHRONICLE_AUDITOR_EVENTS_DB"];
  }
  static void TearDownTestSuite() {
    const auto began = clock_type::now();
    int code = -1;
    run_script("stop", code);
    std::printf("cluster stopped in %.1f s (exit %d)\n", seconds(clock_type::now() - began), code);
  }

  void SetUp() override {
    ASSERT_TRUE(started_) << "cluster.sh start failed (logs under the cluster's run folder)";
    ASSERT_EQ(ports_.size(), static_cast<std::size_t>(node_count));
    ASSERT_FALSE(events_db_.empty());
  }

  static std::string fresh_prefix(const std::string& what) {
    return "cl-" + what + "-" + unique_suffix();
  }

  // Waits until PREDICATE holds, at most the recovery deadline.
  template <typename Predicate>
  static bool eventually(Predicate predicate) {
    const auto deadline = clock_type::now() + recovery_deadline;
    while (clock_type::now() < deadline) {
      if (predicate()) return true;
      std::this_thread::sleep_for(100ms);
    }
    return predicate();
  }

  static inline bool started_ = false;
  static inline std::string key_;
  static inline std::vector<std::uint16_t> ports_;
  static inline std::string events_db_;
};

// Every acknowledged deposit is in the event store, and no deposit is there twice: each
// account holds its opening event and exactly its acknowledged deposits (one more when the
// client stopped with an attempt unanswered, which may have committed).
void expect_store_has_acked(const std::string& events_db, const traffic& t) {
  pqxx::connection db{events_db};
  pqxx::read_transaction tx{db};
  std::size_t acked_total = 0;
  for (int c = 0; c < t.clients(); ++c) {
    std::set<std::string> stored;
    for (const auto& row :
         tx.exec_params("SELECT event_id::text FROM events WHERE account_id = $1 AND version > 1",
                        t.account(c))) {
      stored.insert(row[0].as<std::string>());
    }
    const auto& acked = t.acked()[c];
    acked_total += acked.size();
    for (const auto& id : acked) EXPECT_EQ(stored.count(id), 1u) << "lost: " << id;
    EXPECT_GE(stored.size(), acked.size()) << t.account(c);
    EXPECT_LE(stored.size(), acked.size() + (t.pending(c) ? 1 : 0)) << t.account(c);
  }
  std::printf("acknowledged deposits: %zu, all in the event store\n", acked_total);
}

TEST_F(cluster, a_killed_ledger_node_leaves_the_others_serving) {
  traffic t{ports_, key_, fresh_prefix("ledger")};
  ASSERT_EQ(t.open_accounts(), "");
  t.start();
  std::this_thread::sleep_for(steady_phase);
  constexpr int victim = 2;  // node 2, index 1
  ASSERT_TRUE(run_ok("kill ledger " + std::to_string(victim)));
  const auto fault = clock_type::now();
  std::this_thread::sleep_for(steady_phase);
  const auto back = clock_type::now();
  ASSERT_TRUE(run_ok("restart ledger " + std::to_string(victim)));
  const bool resumed =
      eventually([&] { return t.successes_since(back, victim - 1) >= successes_after_fault_min; });
  t.stop();
  ASSERT_TRUE(resumed) << "node " << victim << " did not serve again after its restart";

  int survivor_failures = 0;
  for (const auto& a : t.attempts()) {
    if (t.node_of(a.client) != victim - 1 && a.start >= fault && a.end <= back && a.status != 201)
      ++survivor_failures;
  }
  EXPECT_EQ(survivor_failures, 0) << "the surviving nodes failed requests during the kill";
  for (int node = 0; node < node_count; ++node) {
    if (node == victim - 1) continue;
    EXPECT_GE(t.successes_since(fault, node), successes_after_fault_min);
  }
  const auto survivors =
      window(t.attempts(), fault, [&](int c) { return t.node_of(c) != victim - 1; });
  const auto victims =
      window(t.attempts(), fault, [&](int c) { return t.node_of(c) == victim - 1; });
  std::printf(
      "ledger node kill: the survivors' clients' gap across the kill %.3f s; the "
      "killed node's clients waited %.1f s (node down %.1f s, then restarted)\n",
      survivors.value_or(-1), victims.value_or(-1), seconds(back - fault));
  expect_store_has_acked(events_db_, t);
}

// Balance of ACCOUNT on the read model (eventual) and in the event store (strong) agree.
bool read_model_caught_up(const traffic& t, int c) {
  const auto path = "/accounts/" + t.account(c);
  const auto eventual =
      client::http_request(t.port_of(c), "GET", path, "", {{"Authorization", t.bearer()}});
  const auto strong = client::http_request(t.port_of(c), "GET", path + "?consistency=strong", "",
                                           {{"Authorization", t.bearer()}});
  return eventual.status == 200 && strong.status == 200 &&
         eventual.json().value("version", -1) == strong.json().value("version", -2);
}

// Seconds from the acknowledgement of a deposit to ACCOUNT until the read model, which NATS
// feeds, shows it; none when the deposit fails or the read model does not show it within the
// recovery deadline.
std::optional<double> propagation_s(std::uint16_t port, const std::string& bearer,
                                    const std::string& account) {
  const auto r =
      client::post_json(port, "/commands/deposit", {{"account_id", account}, {"amount", "1.00"}},
                        {{"Authorization", bearer}}, request_timeout_ms);
  if (r.status != 201) return std::nullopt;
  const auto acked = clock_type::now();
  const auto version = r.json().value("version", 0);
  while (clock_type::now() < acked + recovery_deadline) {
    const auto view =
        client::http_request(port, "GET", "/accounts/" + account, "", {{"Authorization", bearer}});
    if (view.status == 200 && view.json().value("version", 0) >= version) {
      return seconds(clock_type::now() - acked);
    }
    std::this_thread::sleep_for(20ms);
  }
  return std::nullopt;
}

TEST_F(cluster, a_killed_nats_stream_leader_stalls_only_the_read_models) {
  traffic t{ports_, key_, fresh_prefix("nats")};
  ASSERT_EQ(t.open_accounts(), "");
  const std::string probe = fresh_prefix("nats-probe");
  ASSERT_EQ(client::post_json(ports_[0], "/commands/create-account",
                              {{"account_id", probe}, {"owner_name", "probe"}, {"currency", "EUR"}},
                              {{"Authorization", t.bearer()}}, request_timeout_ms)
                .status,
            201);
  t.start();
  std::this_thread::sleep_for(steady_phase);
  const auto before = propagation_s(ports_[0], t.bearer(), probe);
  ASSERT_TRUE(before) << "a deposit did not reach the read model before any fault";
  const auto leader = leader_of("nats");
  ASSERT_TRUE(leader) << "no LEDGER stream leader (cluster.sh leader nats)";
  ASSERT_TRUE(run_ok("kill nats " + std::to_string(*leader)));
  const auto fault = clock_type::now();
  // The first deposit after the kill reaches the read model once a new stream leader takes
  // publishes: that delay is the stall.
  const auto stall = propagation_s(ports_[0], t.bearer(), probe);
  ASSERT_TRUE(stall) << "a deposit made after the kill never reached the read model";
  t.stop();
  const auto stopped = clock_type::now();
  // Once the traffic stops, the read models must reach the store's last version of every
  // account: nothing acknowledged lost on the way through NATS.
  const bool caught_up = eventually([&] {
    for (int c = 0; c < t.clients(); ++c) {
      if (!read_model_caught_up(t, c)) return false;
    }
    return true;
  });
  const auto caught_up_at = clock_type::now();
  ASSERT_TRUE(run_ok("restart nats " + std::to_string(*leader)));
  ASSERT_TRUE(caught_up) << "the read models did not catch up after the stream leader's death";
  const auto writes = window(t.attempts(), fault, [](int) { return true; });
  ASSERT_TRUE(writes) << "no write succeeded after the NATS kill";
  std::printf(
      "NATS stream leader (nats-%d) kill: writes' gap across the kill %.3f s; a deposit reached "
      "the read model %.2f s after its acknowledgement before the kill, %.2f s right after it; "
      "read models caught up %.1f s after the traffic stopped (%.1f s after the kill)\n",
      *leader, *writes, *before, *stall, seconds(caught_up_at - stopped),
      seconds(caught_up_at - fault));
  expect_store_has_acked(events_db_, t);
}

TEST_F(cluster, a_killed_patroni_leader_fails_over_and_loses_no_acknowledged_deposit) {
  traffic t{ports_, key_, fresh_prefix("db")};
  ASSERT_EQ(t.open_accounts(), "");
  t.start();
  std::this_thread::sleep_for(steady_phase);
  const auto leader = leader_of("db");
  ASSERT_TRUE(leader) << "no Patroni leader (cluster.sh leader db)";
  ASSERT_TRUE(run_ok("kill db " + std::to_string(*leader)));
  const auto fault = clock_type::now();
  const bool resumed = eventually([&] {
    for (int node = 0; node < node_count; ++node) {
      if (t.successes_since(fault, node) < successes_after_fault_min) return false;
    }
    return true;
  });
  t.stop();
  ASSERT_TRUE(resumed) << "writes did not resume on every node after the failover";
  const auto all = window(t.attempts(), fault, [](int) { return true; });
  ASSERT_TRUE(all);
  std::printf("Patroni leader (db %d) kill: writes resumed after %.2f s", *leader, *all);
  for (int node = 0; node < node_count; ++node) {
    const auto w = window(t.attempts(), fault, [&](int c) { return t.node_of(c) == node; });
    std::printf("; node %d %.2f s", node + 1, w.value_or(-1));
  }
  std::printf("\n");
  const auto new_leader = leader_of("db");
  ASSERT_TRUE(new_leader);
  EXPECT_NE(*new_leader, *leader);
  expect_store_has_acked(events_db_, t);
  ASSERT_TRUE(run_ok("restart db " + std::to_string(*leader)));
}

}  // namespace
}  // namespace chronicle::testing
