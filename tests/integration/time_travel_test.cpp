// Snapshots and time travel on a real node (--snapshot-every 5) and PostgreSQL: snapshots
// are committed every 5 versions; GET /accounts/:id/balance-at and /history equal the
// strong reads taken at each point; and the seed scenario, through to the global timeline.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <pqxx/pqxx>
#include <set>
#include <thread>

#include "domain/ids.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/node_suite.hpp"

namespace chronicle::testing {
namespace {

using nlohmann::json;

constexpr int timeline_polls_max = 150;
constexpr auto timeline_poll = std::chrono::milliseconds{100};
constexpr int timeline_pages_max = 100;

class time_travel : public node_suite {
 protected:
  static void SetUpTestSuite() { start_node({"--snapshot-every", "5"}); }

  static std::string open(const std::string& tag, const std::string& initial = "0") {
    const std::string id = tag + "-" + unique_suffix();
    const auto r = post_json(port(), "/commands/create-account",
                             {{"account_id", id},
                              {"owner_name", tag},
                              {"currency", "USD"},
                              {"initial_balance", initial}});
    EXPECT_EQ(r.status, 201) << r.body;
    return id;
  }

  static void command(const std::string& route, const json& body) {
    const auto r = post_json(port(), "/commands/" + route, body);
    ASSERT_EQ(r.status, 201) << r.body;
  }

  static json strong(const std::string& id) {
    return http_request(port(), "GET", "/accounts/" + id + "?consistency=strong").json();
  }

  static http_response balance_at(const std::string& id, const std::string& query) {
    return http_request(port(), "GET", "/accounts/" + id + "/balance-at?" + query);
  }

  static json events_of(const std::string& id) {
    return http_request(port(), "GET", "/accounts/" + id + "/events?limit=1000").json()["events"];
  }

  // The account's snapshots as the owner role sees them: version → (hash, occurred_at).
  static std::map<std::int64_t, std::pair<std::string, std::string>> stored_snapshots(
      const std::string& id) {
    pqxx::connection conn{admin_db()};
    pqxx::work txn{conn};
    txn.exec("SET TIME ZONE 'UTC'");
    const auto rows = txn.exec_params(
        "SELECT version, hash, occurred_at::text FROM snapshots WHERE account_id = $1"
        " ORDER BY version",
        id);
    std::map<std::int64_t, std::pair<std::string, std::string>> out;
    for (const auto& row : rows) {
      const auto at = domain::parse_instant(row[2].c_str());
      out[row[0].as<std::int64_t>()] = {row[1].as<std::string>(),
                                        at ? domain::format_instant(*at) : "unreadable"};
    }
    return out;
  }
};

TEST_F(time_travel, given_12_deposits_then_snapshots_at_5_and_10_carry_those_events_hashes) {
  const auto id = open("snap");
  for (int i = 1; i <= 12; ++i) {
    command("deposit", {{"account_id", id}, {"amount", std::to_string(i)}});
  }
  EXPECT_EQ(strong(id)["version"], 13);
  const auto snapshots = stored_snapshots(id);
  ASSERT_EQ(snapshots.size(), 2u);
  const auto events = events_of(id);
  for (const std::int64_t v : {5, 10}) {
    SCOPED_TRACE(v);
    ASSERT_EQ(snapshots.count(v), 1u);
    EXPECT_EQ(snapshots.at(v).first, events[v - 1]["hash"]);
    EXPECT_EQ(snapshots.at(v).second, events[v - 1]["occurred_at"]);
  }
}

TEST_F(time_travel, given_history_when_asked_by_version_or_instant_then_equals_strong_reads) {
  const auto id = open("tt", "10");
  // After each command: the strong read, and an instant taken by this client right after it.
  std::vector<json> reads{strong(id)};
  std::vector<domain::micros> instants{domain::now_micros()};
  for (int i = 1; i <= 11; ++i) {
    if (i % 4 == 0) {
      command("withdraw", {{"account_id", id}, {"amount", "1.25"}});
    } else {
      command("deposit", {{"account_id", id}, {"amount", std::to_string(i) + ".50"}});
    }
    reads.push_back(strong(id));
    instants.push_back(domain::now_micros());
  }
  ASSERT_EQ(reads.back()["version"], 12);
  const auto events = events_of(id);
  for (std::size_t i = 0; i < reads.size(); ++i) {
    const auto version = reads[i]["version"].get<std::int64_t>();
    SCOPED_TRACE(version);
    const auto by_version = balance_at(id, "version=" + std::to_string(version));
    ASSERT_EQ(by_version.status, 200) << by_version.body;
    const auto v = by_version.json();
    EXPECT_EQ(v["balance"], reads[i]["balance"]);
    EXPECT_EQ(v["version"], version);
    EXPECT_EQ(v["currency"], "USD");
    EXPECT_EQ(v["at"], events[version - 1]["occurred_at"]);
    // The client's instant after the command, in both UTC spellings ('+' unencoded: the
    // query string turns it into a space, which the node reads back as '+').
    auto text = domain::format_instant(instants[i]);
    const auto by_z = balance_at(id, "timestamp=" + text);
    ASSERT_EQ(by_z.status, 200) << by_z.body;
    EXPECT_EQ(by_z.json()["balance"], reads[i]["balance"]);
    EXPECT_EQ(by_z.json()["version"], version);
    EXPECT_EQ(by_z.json()["at"], text);
    text.replace(text.size() - 1, 1, i % 2 == 0 ? "+00:00" : "%2B00:00");
    const auto by_offset = balance_at(id, "timestamp=" + text);
    ASSERT_EQ(by_offset.status, 200) << by_offset.body;
    EXPECT_EQ(by_offset.json()["version"], version);
    // Exactly at the event's own instant.
    const auto at_event =
        balance_at(id, "timestamp=" + events[version - 1]["occurred_at"].get<std::string>());
    EXPECT_EQ(at_event.json()["version"], version) << at_event.body;
  }
}

TEST_F(time_travel, given_history_then_every_version_with_running_balance_paged_by_next) {
  const auto id = open("hist", "1");
  for (int i = 0; i < 6; ++i) command("deposit", {{"account_id", id}, {"amount", "2"}});
  std::vector<json> entries;
  std::string path = "/accounts/" + id + "/history?limit=3";
  for (int page = 0; page < 5; ++page) {
    const auto r = http_request(port(), "GET", path);
    ASSERT_EQ(r.status, 200) << r.body;
    const auto body = r.json();
    EXPECT_EQ(body["currency"], "USD");
    for (const auto& e : body["history"]) entries.push_back(e);
    if (body["next"].is_null()) break;
    path = "/accounts/" + id + "/history?limit=3&after=" + std::to_string(body["next"].get<int>());
  }
  ASSERT_EQ(entries.size(), 7u);
  const auto events = events_of(id);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    EXPECT_EQ(entries[i]["version"], i + 1);
    EXPECT_EQ(entries[i]["balance"], std::to_string(1 + 2 * i) + ".00");
    EXPECT_EQ(entries[i]["occurred_at"], events[i]["occurred_at"]);
    EXPECT_EQ(entries[i]["type"], events[i]["type"]);
  }
  // Bounded by instants, both inclusive: the third to the fifth event.
  const auto window = http_request(
      port(), "GET",
      "/accounts/" + id + "/history?from=" + events[2]["occurred_at"].get<std::string>() +
          "&to=" + events[4]["occurred_at"].get<std::string>());
  ASSERT_EQ(window.status, 200) << window.body;
  const auto listed = window.json()["history"];
  ASSERT_EQ(listed.size(), 3u);
  EXPECT_EQ(listed[0]["version"], 3);
  EXPECT_EQ(listed[0]["balance"], "5.00");
  EXPECT_EQ(listed[2]["version"], 5);
}

TEST_F(time_travel, given_points_outside_the_history_or_bad_queries_then_404_and_400) {
  const auto before = domain::now_micros();
  std::this_thread::sleep_for(std::chrono::milliseconds{2});
  const auto id = open("edge", "3");
  auto expect = [&](const http_response& r, int status, const std::string& code) {
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_EQ(r.json().value("code", ""), code) << r.body;
  };
  const auto not_yet = balance_at(id, "timestamp=" + domain::format_instant(before));
  expect(not_yet, 404, "ACCOUNT_NOT_FOUND");
  EXPECT_EQ(not_yet.json()["error"],
            "account " + id + " did not exist at " + domain::format_instant(before));
  expect(balance_at(id, "version=2"), 404, "VERSION_NOT_FOUND");
  expect(balance_at(id, "timestamp=0000-01-01T00:00:00Z"), 404, "ACCOUNT_NOT_FOUND");
  expect(http_request(port(), "GET", "/accounts/" + id + "/history?from=0000-01-01T00:00:00Z"), 200,
         "");
  expect(balance_at("nobody-" + unique_suffix(), "version=1"), 404, "ACCOUNT_NOT_FOUND");
  expect(balance_at(id, "version=1&timestamp=2026-01-01T00:00:00Z"), 400, "INVALID_FIELD");
  expect(balance_at(id, ""), 400, "MISSING_FIELD");
  expect(balance_at(id, "timestamp=2026-13-01T00:00:00Z"), 400, "INVALID_FIELD");
  expect(balance_at(id, "timestamp=yesterday"), 400, "INVALID_FIELD");
  expect(balance_at(id, "timestamp=2999-01-01T00:00:00Z"), 400, "INVALID_FIELD");
  expect(balance_at(id, "version=0"), 400, "INVALID_FIELD");
  expect(balance_at(id, "version=abc"), 400, "INVALID_FIELD");
  expect(http_request(port(), "GET", "/accounts/" + id + "/history?limit=1001"), 400,
         "INVALID_FIELD");
  expect(http_request(port(), "GET", "/accounts/nobody-" + unique_suffix() + "/history"), 404,
         "ACCOUNT_NOT_FOUND");
  for (const char* route : {"/balance-at?version=1", "/history"}) {
    expect(http_request(port(), "POST", "/accounts/" + id + route, "{}",
                        {{"Content-Type", "application/json"}}),
           405, "METHOD_NOT_ALLOWED");
  }
}

// While deposits commit, balance-at "now" always finds the account and a state at least as
// new as the last deposit acknowledged before the read was sent. (The interleaving this
// guards against, a commit between two of the query's reads, is provoked deterministically
// in event_store_test and unit/time_travel_test; here the whole path runs on a real node.)
TEST_F(time_travel, given_deposits_committing_then_balance_at_now_never_misses_the_account) {
  constexpr int deposits = 60;
  const auto id = open("busy", "1");
  std::atomic<int> acknowledged{1};
  std::thread writer{[&] {
    for (int i = 0; i < deposits; ++i) {
      const auto r = post_json(port(), "/commands/deposit", {{"account_id", id}, {"amount", "1"}});
      EXPECT_EQ(r.status, 201) << r.body;
      acknowledged = r.json().value("version", 0);
    }
  }};
  int reads = 0;
  while (acknowledged < deposits + 1) {
    const int floor = acknowledged;
    const auto r = balance_at(id, "timestamp=" + domain::format_instant(domain::now_micros()));
    ++reads;
    ASSERT_EQ(r.status, 200) << "read " << reads << ": " << r.body;
    EXPECT_GE(r.json().value("version", 0), floor) << r.body;
  }
  writer.join();
  EXPECT_GT(reads, 0);
}

TEST_F(time_travel, given_seed_scenario_then_balance_before_the_transfer_and_timeline_lists_all) {
  const auto a = open("seed-a");
  const auto b = open("seed-b");
  command("deposit", {{"account_id", a}, {"amount", "1000"}});
  const auto before_transfer = domain::now_micros();
  const auto t = post_json(port(), "/commands/transfer",
                           {{"from_account_id", a}, {"to_account_id", b}, {"amount", "300"}});
  ASSERT_EQ(t.status, 201) << t.body;
  command("withdraw", {{"account_id", b}, {"amount", "50"}});

  const auto then = balance_at(a, "timestamp=" + domain::format_instant(before_transfer));
  ASSERT_EQ(then.status, 200) << then.body;
  EXPECT_EQ(then.json()["balance"], "1000.00");
  EXPECT_EQ(then.json()["version"], 2);
  EXPECT_EQ(balance_at(a, "version=3").json()["balance"], "700.00");
  EXPECT_EQ(balance_at(b, "version=3").json()["balance"], "250.00");

  // Every event of both accounts, as the event store has them.
  std::set<std::string> wanted;
  for (const auto& id : {a, b}) {
    for (const auto& e : events_of(id)) wanted.insert(e["event_id"].get<std::string>());
  }
  ASSERT_EQ(wanted.size(), 6u);
  // The timeline is a read model: poll (bounded) until the projection has applied them all,
  // paging newest first back to events older than this test.
  std::set<std::string> seen;
  for (int poll = 0; poll < timeline_polls_max && seen != wanted; ++poll) {
    seen.clear();
    std::string path = "/events?order=desc&limit=1000";
    for (int page = 0; page < timeline_pages_max; ++page) {
      const auto body = http_request(port(), "GET", path).json();
      bool older = false;
      for (const auto& e : body.value("events", json::array())) {
        if (wanted.count(e["event_id"].get<std::string>()) != 0) {
          seen.insert(e["event_id"].get<std::string>());
        }
        const auto at = domain::parse_instant(e["occurred_at"].get<std::string>());
        older = older || (at && *at < before_transfer - 60'000'000);
      }
      if (older || !body.contains("next") || body["next"].is_null()) break;
      path = "/events?order=desc&limit=1000&after=" + body["next"].get<std::string>();
    }
    if (seen != wanted) std::this_thread::sleep_for(timeline_poll);
  }
  EXPECT_EQ(seen, wanted);
}

}  // namespace
}  // namespace chronicle::testing
