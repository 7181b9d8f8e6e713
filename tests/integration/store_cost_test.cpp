// The cost of a command does not grow with the size of the store (docs/LLD.md, "Cost of a
// statement"). In databases of its own, the suite grows the event store and the read models by
// SQL to 200,000 events over 20,000 accounts, runs ANALYZE, then
// (a) asks PostgreSQL for the plan of every hot-path statement, the very SQL text the stores
//     run (persistence/pg_statements.hpp), and fails on a sequential scan of a table that
//     grows with history;
// (b) sends a burst of commands and reads through a real node (with a NATS server of its own,
//     so the outbox relay and the projection run too) and checks that no sequential scan of
//     those tables was counted meanwhile (pg_stat_user_tables.seq_scan), background passes
//     (the relay's sweep, the projection's reconcile pass, health) included.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <set>
#include <thread>

#include "persistence/pg_statements.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/node_process.hpp"
#include "tests/support/own_stack.hpp"

namespace chronicle::testing {
namespace {

using nlohmann::json;
using params = std::vector<std::string>;
namespace sql = persistence::sql;

constexpr int grown_accounts = 20'000;
constexpr int grown_versions = 10;  // events per grown account: 200,000 in all
constexpr int burst_accounts = 16;
constexpr int burst_deposits = 30;  // per account
constexpr int converge_polls_max = 300;
constexpr auto converge_poll = std::chrono::milliseconds{100};
// PostgreSQL 15 backends report their table counters when idle, at most once a second.
constexpr auto stats_flush_wait = std::chrono::milliseconds{2'500};

// The tables whose rows grow with history (or with the number of accounts). The outbox holds
// only what is not yet published: its plans are checked with a backlog of its own.
const std::set<std::string> growing_events{"events", "commands", "snapshots"};
const std::set<std::string> growing_state{"account_balance", "transactions", "timeline",
                                          "transfers", "projection_checkpoints"};

std::string grown_id(int n) {
  char id[32];
  std::snprintf(id, sizeof id, "grown-%06d", n);
  return id;
}

// Every grown row is well-formed but not a real event (its hash chain is not one): the burst
// reads grown accounts only through the read models.
const char* const grow_events_sql = R"sql(
INSERT INTO events (account_id, version, event_id, event_type, schema_version, payload,
  command_id, occurred_at, prev_hash, hash, issued_by)
SELECT 'grown-' || lpad(a::text, 6, '0'), v, gen_random_uuid(), 'money_deposited', 3,
  '{"amount":"1.00","currency":"USD"}', 'grown', timestamptz '2026-01-01' + (a * 10 + v) *
  interval '1 second', repeat('0', 64), encode(sha256((a || '-' || v)::bytea), 'hex'), 'grower'
FROM generate_series(1, $1::int) a, generate_series(1, $2::int) v;
INSERT INTO commands (idempotency_key, account_id, fingerprint, response)
SELECT 'grown-key-' || a || '-' || v, 'grown-' || lpad(a::text, 6, '0'), 'f', '{}'
FROM generate_series(1, $1::int) a, generate_series(1, $2::int) v;
INSERT INTO snapshots (account_id, version, state, hash, occurred_at)
SELECT 'grown-' || lpad(a::text, 6, '0'), 5, '{}', encode(sha256((a || '-5')::bytea), 'hex'),
  timestamptz '2026-01-01' + (a * 10 + 5) * interval '1 second'
FROM generate_series(1, $1::int) a;
)sql";

const char* const grow_state_sql = R"sql(
INSERT INTO account_balance
SELECT 'grown-' || lpad(a::text, 6, '0'), 'owner-' || (a % 2000), 'USD', 1000 * $2::int, $2::int,
  CASE WHEN a % 1000 = 0 THEN 'closed' ELSE 'open' END,
  encode(sha256((a || '-' || $2::int)::bytea), 'hex'),
  timestamptz '2026-01-01', timestamptz '2026-01-02'
FROM generate_series(1, $1::int) a;
INSERT INTO transactions
SELECT gen_random_uuid(), 'grown-' || lpad(a::text, 6, '0'), v, 'deposit', 1000, 1000 * v, 'USD',
  '', NULL, NULL, timestamptz '2026-01-01' + (a * 10 + v) * interval '1 second'
FROM generate_series(1, $1::int) a, generate_series(1, $2::int) v;
INSERT INTO timeline
SELECT gen_random_uuid(), 'grown-' || lpad(a::text, 6, '0'), v, 'money_deposited', 3,
  timestamptz '2026-01-01' + (a * 10 + v) * interval '1 second', '{}',
  encode(sha256((a || '-' || v)::bytea), 'hex')
FROM generate_series(1, $1::int) a, generate_series(1, $2::int) v;
INSERT INTO transfers
SELECT 'grown-t-' || a, 'grown-' || lpad(a::text, 6, '0'), 'grown-000001', 1, 'USD', '',
  'completed', timestamptz '2026-01-01' + a * interval '1 second'
FROM generate_series(1, $1::int) a;
INSERT INTO projection_checkpoints
SELECT p, 'grown-' || lpad(a::text, 6, '0'), $2::int
FROM generate_series(1, $1::int) a,
     unnest(ARRAY['balances', 'transactions', 'timeline', 'transfers']) p;
)sql";

// pqxx runs one statement per exec_params: the growth scripts are split at their semicolons.
void run_script(const std::string& connection, const std::string& script) {
  pqxx::connection conn{connection};
  pqxx::work txn{conn};
  std::size_t from = 0;
  for (auto end = script.find(';'); end != std::string::npos; end = script.find(';', from)) {
    const auto one = script.substr(from, end - from);
    if (one.find("$2") == std::string::npos) {
      txn.exec_params(one, grown_accounts);
    } else {
      txn.exec_params(one, grown_accounts, grown_versions);
    }
    from = end + 1;
  }
  txn.commit();
}

void analyze(const std::string& connection) {
  pqxx::connection conn{connection};
  pqxx::nontransaction txn{conn};
  // The owner may not analyze the shared catalogs; PostgreSQL says so for each of them.
  txn.exec("SET client_min_messages = error");
  txn.exec("ANALYZE");
}

struct statement {
  std::string name;
  std::string text;
  params values;
};

// The tables of `growing` that a plan node, or any node below it, reads sequentially; and
// the plan's outline (each node's type and table), for the failure message.
void seq_scans(const json& node, const std::set<std::string>& growing,
               std::vector<std::string>& out, std::string& outline, int depth = 0) {
  const auto type = node.value("Node Type", "");
  const auto table = node.value("Relation Name", "");
  outline += std::string(static_cast<std::size_t>(depth) * 2, ' ') + type + " " + table + " " +
             node.value("Index Name", "") + "\n";
  if (type == "Seq Scan" && growing.count(table) != 0) out.push_back(table);
  if (node.contains("Plans")) {
    for (const auto& child : node["Plans"]) seq_scans(child, growing, out, outline, depth + 1);
  }
}

// EXPLAINs each statement with its values bound, as the stores send it (unnamed, so planned
// for those values), and fails on a sequential scan of a growing table.
void expect_index_plans(pqxx::work& txn, const std::vector<statement>& statements,
                        const std::set<std::string>& growing) {
  for (const auto& s : statements) {
    const auto rows = txn.exec_params("EXPLAIN (FORMAT JSON) " + s.text,
                                      pqxx::prepare::make_dynamic_params(s.values));
    const auto plan = json::parse(rows[0][0].c_str());
    std::vector<std::string> scanned;
    std::string outline;
    seq_scans(plan[0]["Plan"], growing, scanned, outline);
    EXPECT_TRUE(scanned.empty()) << s.name << " scans " << scanned.front() << " sequentially:\n"
                                 << outline << s.text.substr(0, 600);
  }
}

params grown_ids(int first, int count) {
  params out;
  for (int i = first; i < first + count; ++i) out.push_back(grown_id(i));
  return out;
}

std::vector<statement> event_store_statements() {
  const std::string id = grown_id(12'345);
  params keys;
  for (int v = 1; v <= 100; ++v) keys.push_back("grown-key-" + std::to_string(7'000 + v) + "-3");
  params cursors;
  for (const auto& a : grown_ids(3'000, 100)) cursors.insert(cursors.end(), {a, "4"});
  return {
      {"read_events", sql::read_events(), {id, "1", "1000"}},
      {"scan_events", sql::scan_events(), {id, "5", "1000"}},
      {"find_commands (1)", sql::find_commands(1), {keys.front()}},
      {"find_commands (100)", sql::find_commands(100), keys},
      {"fence (a refusal)", sql::fence(1, 0), {id, "10"}},
      {"fence (a transfer's tokens)", sql::fence(0, 2), {id, "token-a", grown_id(54'321), "token-b"}},
      {"fence (a refused transfer)",
       sql::fence(2, 2),
       {id, "10", grown_id(54'321), "3", id, "token-a", grown_id(54'321), "token-b"}},
      {"read_at_one_instant (100)", sql::read_at_one_instant(100, 1000), cursors},
      {"latest_snapshot", sql::latest_snapshot(), {id, "9"}},
      {"read_snapshots", sql::read_snapshots(), {id, "1", "1000"}},
      {"latest_version", sql::latest_version(), {id}},
      {"version_at", sql::version_at(), {id, "2026-01-02T10:00:00Z"}},
      {"newest_event_time", sql::newest_event_time(), {}},
      {"event_heads (first page)", sql::event_heads(), {"", "1000"}},
      {"event_heads (a later page)", sql::event_heads(), {grown_id(15'000), "1000"}},
  };
}

std::vector<statement> read_model_statements() {
  const std::string id = grown_id(4'321);
  const auto many = grown_ids(9'000, 500);
  params at_checkpoint;
  for (const auto& a : many) at_checkpoint.insert(at_checkpoint.end(), {a, "7"});
  return {
      {"checkpoints (1)", sql::checkpoints(1), {id}},
      {"checkpoints (500)", sql::checkpoints(500), many},
      {"lock_checkpoints (1)", sql::lock_checkpoints("projection_checkpoints", 1), {id}},
      {"lock_checkpoints (500)", sql::lock_checkpoints("projection_checkpoints", 500), many},
      {"balances_of (500)", sql::balances_of("account_balance", 500), many},
      {"balances_after (500)", sql::balances_after("transactions", 500), at_checkpoint},
      {"account", sql::account(), {id}},
      {"accounts (all)", sql::accounts(), {"", "", "", "100"}},
      {"accounts (owner)", sql::accounts(), {"owner-7", "", "", "100"}},
      {"accounts (status)", sql::accounts(), {"", "closed", "", "100"}},
      {"accounts (owner and status)", sql::accounts(), {"owner-7", "open", id, "100"}},
      {"transactions_page (newest)", sql::transactions_page(), {id, "0", "100"}},
      {"transactions_page (before)", sql::transactions_page(), {id, "5", "100"}},
      {"timeline_page (newest)", sql::timeline_page(true, false), {"100"}},
      {"timeline_page (oldest)", sql::timeline_page(false, false), {"100"}},
      {"timeline_page (newest, after)",
       sql::timeline_page(true, true),
       {"2026-01-02T00:00:00Z", "00000000-0000-0000-0000-000000000000", "100"}},
      {"timeline_page (oldest, after)",
       sql::timeline_page(false, true),
       {"2026-01-02T00:00:00Z", "00000000-0000-0000-0000-000000000000", "100"}},
      {"progress", sql::progress(), {}},
      {"transactions_of", sql::transactions_of(), {id}},
      {"timeline_of", sql::timeline_of(), {id}},
      {"transfers_from", sql::transfers_from(), {id}},
      {"checkpoints_of", sql::checkpoints_of(), {id}},
  };
}

// seq_scan of each of `tables`, as the statistics show it now.
std::map<std::string, std::int64_t> seq_scan_counts(const std::string& connection,
                                                    const std::set<std::string>& tables) {
  pqxx::connection conn{connection};
  pqxx::nontransaction txn{conn};
  std::map<std::string, std::int64_t> out;
  for (const auto& row : txn.exec("SELECT relname, seq_scan FROM pg_stat_user_tables")) {
    const auto name = row[0].as<std::string>();
    if (tables.count(name) != 0) out[name] = row[1].as<std::int64_t>();
  }
  return out;
}

class store_cost : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dbs_ = std::make_unique<own_databases>("chronicle_test_cost");
    if (!dbs_->ok()) return;
    run_script(dbs_->events_admin(), grow_events_sql);
    run_script(dbs_->state_admin(), grow_state_sql);
    analyze(dbs_->events_admin());
    analyze(dbs_->state_admin());
    grown_ = true;
  }
  static void TearDownTestSuite() { dbs_.reset(); }

  void SetUp() override { ASSERT_TRUE(grown_) << "the suite's own databases could not be made"; }

  static std::uint16_t port() {
    return static_cast<std::uint16_t>(std::stoi(env_or("CHRONICLE_TEST_PORT", "18086")));
  }

  static inline std::unique_ptr<own_databases> dbs_;
  static inline bool grown_ = false;
};

TEST_F(store_cost, given_a_grown_store_then_every_hot_path_statement_reads_through_an_index) {
  {
    pqxx::connection conn{dbs_->events_admin()};
    pqxx::work txn{conn};
    expect_index_plans(txn, event_store_statements(), growing_events);
  }
  pqxx::connection conn{dbs_->state_admin()};
  pqxx::work txn{conn};
  expect_index_plans(txn, read_model_statements(), growing_state);
}

// The relay's statements with a backlog of 50,000 unpublished events, which made PostgreSQL
// join the outbox to a sequential scan of all events. Reading a batch walks outbox_by_key;
// deleting a batch may read the outbox whole when the planner finds that cheaper than a probe
// per row (its size is the backlog's, not history's). The backlog and its statistics are
// rolled back.
TEST_F(store_cost, given_an_outbox_backlog_then_the_relay_reads_through_indexes) {
  pqxx::connection conn{dbs_->events_admin()};
  pqxx::work txn{conn};
  txn.exec_params(
      "INSERT INTO outbox (event_id, account_id, version) SELECT event_id, account_id, version"
      " FROM events WHERE account_id > $1",
      grown_id(grown_accounts - 5'000));
  txn.exec("ANALYZE outbox");
  params ids;
  for (const auto& row : txn.exec("SELECT event_id::text FROM outbox LIMIT 500")) {
    ids.push_back(row[0].as<std::string>());
  }
  auto with_outbox = growing_events;
  with_outbox.insert("outbox");
  expect_index_plans(txn,
                     {{"outbox_claim (backlog)", sql::outbox_claim(), {"500"}},
                      {"outbox_claim (backlog, largest batch)", sql::outbox_claim(), {"1000"}}},
                     with_outbox);
  expect_index_plans(txn, {{"outbox_remove (500)", sql::outbox_remove(500), ids}}, growing_events);
}

// The read model of `id` once it reached `version` (bounded wait).
bool converged(std::uint16_t port, const std::string& id, std::int64_t version) {
  for (int i = 0; i < converge_polls_max; ++i) {
    const auto r = http_request(port, "GET", "/accounts/" + id);
    if (r.status == 200 && r.json().value("version", 0) >= version) return true;
    std::this_thread::sleep_for(converge_poll);
  }
  return false;
}

void open_account(std::uint16_t port, const std::string& id) {
  const auto r = post_json(port, "/commands/create-account",
                           {{"account_id", id},
                            {"owner_name", "owner-7"},
                            {"currency", "USD"},
                            {"initial_balance", "100"}});
  EXPECT_EQ(r.status, 201) << r.body;
}

// One client's share of the burst: deposits to an account, a transfer, and reads of every kind.
void client_burst(std::uint16_t port, const std::string& id, const std::string& peer) {
  http_response r;
  for (int i = 0; i < burst_deposits; ++i) {
    r = post_json(port, "/commands/deposit", {{"account_id", id}, {"amount", "1.00"}},
                  {{"Idempotency-Key", id + "-d" + std::to_string(i)}});
    EXPECT_EQ(r.status, 201) << r.body;
  }
  r = post_json(port, "/commands/transfer",
                {{"from_account_id", id}, {"to_account_id", peer}, {"amount", "1"}});
  EXPECT_EQ(r.status, 201) << r.body;
  const std::string grown = grown_id(1'000 + static_cast<int>(id.size()));
  for (const std::string& path : std::vector<std::string>{
           "/accounts/" + id, "/accounts/" + id + "?consistency=strong",
           "/accounts/" + id + "/transactions?limit=10", "/accounts/" + id + "/events?limit=10",
           "/accounts/" + id + "/balance-at?version=2", "/accounts/" + id + "/history?limit=10",
           "/accounts/snapshot?ids=" + id + "," + peer, "/accounts?owner=owner-7&limit=10",
           "/accounts?status=closed&limit=10", "/events?limit=20", "/accounts/" + grown,
           "/accounts/" + grown + "/transactions?limit=5"}) {
    r = http_request(port, "GET", path);
    EXPECT_EQ(r.status, 200) << path << ": " << r.body;
  }
}

TEST_F(store_cost, given_a_grown_store_when_a_burst_runs_then_no_growing_table_is_scanned) {
  own_nats nats{static_cast<std::uint16_t>(port() + 500)};
  ASSERT_TRUE(nats.started());
  auto args = dbs_->node_args();
  args.insert(args.end(), {"--nats", nats.url()});
  node_process node{port(), args};
  ASSERT_TRUE(node.started()) << "see " << node.log_path();
  // Whatever the node did at start is counted before the burst.
  std::this_thread::sleep_for(stats_flush_wait);
  const auto events_before = seq_scan_counts(dbs_->events_admin(), growing_events);
  const auto state_before = seq_scan_counts(dbs_->state_admin(), growing_state);

  const std::string prefix = "burst-" + unique_suffix() + "-";
  // Every account exists in the read models before the burst reads them there.
  for (int c = 0; c < burst_accounts; ++c) open_account(node.port(), prefix + std::to_string(c));
  for (int c = 0; c < burst_accounts; ++c) {
    ASSERT_TRUE(converged(node.port(), prefix + std::to_string(c), 1));
  }
  std::vector<std::thread> clients;
  for (int c = 0; c < burst_accounts; ++c) {
    clients.emplace_back(client_burst, node.port(), prefix + std::to_string(c),
                         prefix + std::to_string((c + 1) % burst_accounts));
  }
  for (auto& t : clients) t.join();
  // The relay and the projection have done their part once every read model shows every
  // deposit and both transfer legs; the reconcile pass ran every second meanwhile.
  for (int c = 0; c < burst_accounts; ++c) {
    EXPECT_TRUE(converged(node.port(), prefix + std::to_string(c), 3 + burst_deposits));
  }
  std::this_thread::sleep_for(stats_flush_wait);

  const auto events_after = seq_scan_counts(dbs_->events_admin(), growing_events);
  const auto state_after = seq_scan_counts(dbs_->state_admin(), growing_state);
  for (const auto& [table, count] : events_after) {
    EXPECT_EQ(count, events_before.at(table)) << "sequential scans of " << table;
  }
  for (const auto& [table, count] : state_after) {
    EXPECT_EQ(count, state_before.at(table)) << "sequential scans of " << table;
  }
}

}  // namespace
}  // namespace chronicle::testing
