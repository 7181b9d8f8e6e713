// The bank test against a real node and PostgreSQL: a short `chronicle
// bank-test` run must pass `chronicle check`, and a history tampered with (an
// acknowledged deposit that the store never saw) must fail it, naming the line.

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "tests/support/cli.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/node_suite.hpp"
#include "tests/support/test_keys.hpp"

namespace chronicle::testing {
namespace {

class bank : public node_suite {
 protected:
  static void SetUpTestSuite() {
    node_suite::SetUpTestSuite();
    history_ = "/tmp/chronicle-bank-test-" + unique_suffix() + ".jsonl";
  }
  static void TearDownTestSuite() {
    std::remove(history_.c_str());
    node_suite::TearDownTestSuite();
  }

  // Until the node has the transfer route, the workload runs without transfers.
  static std::string transfer_flag() {
    const auto r = post_json(port(), "/commands/transfer", nlohmann::json::object());
    const bool missing = r.status == 404 && r.json().value("code", "") == "ROUTE_NOT_FOUND";
    return missing ? " --no-transfers" : "";
  }

  // A short run, once for the suite.
  static const cli_output& run() {
    static const cli_output result =
        run_cli("bank-test --url http://127.0.0.1:" + std::to_string(port()) +
                " --duration 5 --clients 4 --accounts 5 --seed 7 --history " + history_ +
                " --api-key " + keys().operator_token + transfer_flag());
    return result;
  }

  static inline std::string history_;
};

TEST_F(bank, given_a_short_bank_test_when_checked_then_no_violation) {
  const auto& ran = run();
  ASSERT_EQ(ran.exit_code, 0) << ran.output;
  EXPECT_NE(ran.output.find(" ok, "), std::string::npos) << ran.output;
  const auto checked = run_cli("check " + history_);
  EXPECT_EQ(checked.exit_code, 0) << checked.output;
  EXPECT_NE(checked.output.find(": 0 violation(s)"), std::string::npos) << checked.output;
}

TEST_F(bank, given_an_acknowledged_deposit_the_store_never_saw_then_check_names_it) {
  ASSERT_EQ(run().exit_code, 0) << run().output;
  const std::string tampered = history_ + ".tampered";
  std::string account;
  std::size_t lines = 0;
  {
    std::ifstream in{history_};
    std::ofstream out{tampered};
    std::string line;
    while (std::getline(in, line)) {
      if (lines++ == 0) account = nlohmann::json::parse(line)["value"]["accounts"][0]["account"];
      out << line << "\n";
    }
    const nlohmann::json value{
        {"key", "forged-" + unique_suffix()}, {"account", account}, {"amount", 100}};
    nlohmann::json invoke{{"process", 1'000'000},
                          {"type", "invoke"},
                          {"f", "deposit"},
                          {"value", value},
                          {"time", 1}};
    out << invoke.dump() << "\n";
    invoke["type"] = "ok";
    invoke["time"] = 2;
    out << invoke.dump() << "\n";
  }
  const auto checked = run_cli("check " + tampered);
  std::remove(tampered.c_str());
  EXPECT_EQ(checked.exit_code, 1) << checked.output;
  EXPECT_NE(checked.output.find("VIOLATION (a) applied once: acknowledged, but in the event store: "
                                "no event on " +
                                account),
            std::string::npos)
      << checked.output;
  EXPECT_NE(checked.output.find("line " + std::to_string(lines + 2) + ": "), std::string::npos)
      << checked.output;
  EXPECT_NE(checked.output.find("VIOLATION (c) conservation: at the end"), std::string::npos)
      << checked.output;
}

TEST_F(bank, given_bad_options_then_usage_errors) {
  EXPECT_EQ(run_cli("bank-test --url http://10.0.0.1:8080").exit_code, 2);
  EXPECT_EQ(run_cli("bank-test --clients 0").exit_code, 2);
  EXPECT_EQ(run_cli("check").exit_code, 2);
  EXPECT_EQ(run_cli("check /nonexistent/history.jsonl").exit_code, 2);
}

}  // namespace
}  // namespace chronicle::testing
