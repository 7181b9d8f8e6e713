// chronicle simulate against a real node and PostgreSQL: in each loop and workload, what it
// reports equals what the event store holds (commands acknowledged == events appended to its
// accounts, read through the account actors), a healthy node gives no error, the latency
// percentiles are in order, and refused commands are counted under their status and code.
// No timing is asserted.

#include <gtest/gtest.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/support/cli.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/node_suite.hpp"
#include "tests/support/test_keys.hpp"

namespace chronicle::testing {
namespace {

using nlohmann::json;

class simulate : public node_suite {
 protected:
  // No rate limit: the runs below may pass the default per-key rate on a fast machine.
  static void SetUpTestSuite() { start_node({"--rate-per-key", "0"}); }

  // Runs `chronicle simulate ARGS --json` and answers its report.
  static json run(const std::string& args, int expected_exit) {
    const auto ran = run_cli("simulate --url http://127.0.0.1:" + std::to_string(port()) +
                                 " --api-key " + keys().operator_token + " --json " + args,
                             stderr_output::dropped);
    EXPECT_EQ(ran.exit_code, expected_exit) << ran.output;
    auto report = json::parse(ran.output, nullptr, false);
    EXPECT_TRUE(report.is_object()) << ran.output;
    return report.is_object() ? report : json::object();
  }

  // Events appended to the report's accounts after their opening, read from the actors.
  static std::int64_t events_after_opening(const json& report) {
    std::int64_t events = 0;
    const auto prefix = report.value("account_prefix", std::string{});
    for (int i = 0; i < report.value("accounts", 0); ++i) {
      const auto r = http_request(
          port(), "GET", "/accounts/" + prefix + "-" + std::to_string(i) + "?consistency=strong",
          "", {{"Authorization", "Bearer " + keys().operator_token}});
      EXPECT_EQ(r.status, 200) << r.body;
      events += r.json().value("version", std::int64_t{0}) - 1;
    }
    return events;
  }

  static std::uint64_t ok(const json& report, const char* operation) {
    return report["by_operation"].value(operation, json::object()).value("ok", std::uint64_t{0});
  }

  static void expect_healthy(const json& report) {
    EXPECT_GT(report.value("operations", 0), 0) << report.dump();
    EXPECT_EQ(report.value("failed", -1), 0) << report.dump();
    EXPECT_TRUE(report["errors"].empty()) << report.dump();
    EXPECT_EQ(report.value("succeeded", 0), report.value("operations", -1));
    const auto& l = report["latency_ms"];
    EXPECT_GT(l.value("max", 0.0), 0.0);
    EXPECT_LE(l.value("p50", 0.0), l.value("p95", 0.0));
    EXPECT_LE(l.value("p95", 0.0), l.value("p99", 0.0));
    EXPECT_LE(l.value("p99", 0.0), l.value("p99_9", 0.0));
    EXPECT_LE(l.value("p99_9", 0.0), l.value("max", 0.0));
    EXPECT_GE(report["projection_lag_ms"].value("samples", 0), 1) << report.dump();
    EXPECT_GE(report["projection_lag_ms"].value("max", -1), 0) << report.dump();
  }
};

TEST_F(simulate, given_a_closed_loop_of_deposits_then_every_acknowledged_one_is_stored) {
  const auto report = run("--workload deposits --connections 4 --accounts 5 --duration 3", 0);
  expect_healthy(report);
  EXPECT_EQ(report.value("loop", ""), "closed");
  EXPECT_EQ(ok(report, "deposit"), report.value("operations", 0u));
  EXPECT_EQ(events_after_opening(report), static_cast<std::int64_t>(ok(report, "deposit")));
  // Each client kept one connection (the node never closed one).
  EXPECT_EQ(report.value("connects", 0), 4);
}

TEST_F(simulate, given_a_hot_account_then_all_deposits_land_on_it) {
  const auto report = run("--workload hot --connections 4 --duration 2", 0);
  expect_healthy(report);
  EXPECT_EQ(report.value("accounts", 0), 1);
  EXPECT_EQ(events_after_opening(report), static_cast<std::int64_t>(ok(report, "deposit")));
}

TEST_F(simulate, given_an_open_loop_of_transfers_then_each_one_is_scheduled_and_stored_twice) {
  const auto report =
      run("--workload transfers --rate 40 --connections 4 --accounts 4 --duration 3", 0);
  expect_healthy(report);
  EXPECT_EQ(report.value("loop", ""), "open");
  const auto& open = report["open_loop"];
  EXPECT_EQ(open.value("scheduled", 0), 120);
  EXPECT_EQ(report.value("operations", 0) + open.value("unsent", 0), 120);
  // A transfer appends one event to each of its two accounts.
  EXPECT_EQ(events_after_opening(report), 2 * static_cast<std::int64_t>(ok(report, "transfer")));
}

TEST_F(simulate, given_a_mixed_open_loop_then_the_stored_events_match_each_kind) {
  const auto report =
      run("--workload mixed --rate 60 --connections 4 --accounts 6 --duration 3", 0);
  expect_healthy(report);
  EXPECT_GT(ok(report, "read"), 0u) << report.dump();
  EXPECT_EQ(events_after_opening(report),
            static_cast<std::int64_t>(ok(report, "deposit") + ok(report, "withdraw") +
                                      2 * ok(report, "transfer")));
}

TEST_F(simulate, given_empty_accounts_then_every_transfer_is_refused_and_counted_by_code) {
  const auto report =
      run("--workload transfers --opening-balance 0 --connections 2 --accounts 2 --duration 2", 1);
  ASSERT_EQ(report["errors"].size(), 1u) << report.dump();
  const auto& refused = report["errors"][0];
  EXPECT_EQ(refused.value("status", 0), 422);
  EXPECT_EQ(refused.value("code", ""), "INSUFFICIENT_FUNDS");
  EXPECT_GT(refused.value("count", 0), 0);
  EXPECT_EQ(refused.value("count", 0), report.value("operations", -1));
  EXPECT_EQ(report.value("succeeded", -1), 0);
  EXPECT_EQ(events_after_opening(report), 0);
}

TEST_F(simulate, given_bad_options_then_exit_2_with_a_message) {
  for (const std::string args :
       {"--connections 0", "--connections 1025", "--rate -1", "--duration 0", "--duration 3601",
        "--workload nope", "--url http://10.0.0.1:80", "--accounts 1 --workload transfers",
        "--amount 1.001", "--account-prefix UPPER"}) {
    const auto ran = run_cli("simulate " + args);
    EXPECT_EQ(ran.exit_code, 2) << args << ": " << ran.output;
    EXPECT_NE(ran.output.find("chronicle simulate: "), std::string::npos) << ran.output;
  }
}

TEST_F(simulate, given_a_key_that_may_not_write_then_it_cannot_start) {
  const auto ran = run_cli("simulate --url http://127.0.0.1:" + std::to_string(port()) +
                           " --api-key " + keys().auditor_token + " --duration 1");
  EXPECT_EQ(ran.exit_code, 3) << ran.output;
  EXPECT_NE(ran.output.find("status 403"), std::string::npos) << ran.output;
}

}  // namespace
}  // namespace chronicle::testing
