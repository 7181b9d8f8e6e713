// The suites keep to databases and a NATS stream of their own (tests/README.md).
//
// `test_stack.reset` is the set-up every suite that touches the stack waits for (a CTest
// fixture): it empties the suites' databases and stream and migrates the databases, and notes
// how `chronicle verify` finds the ledger `make run` serves. `test_stack.make_run_untouched`
// runs after all of them: a node started as the suites start theirs writes only to the test
// databases and stream, no account of any suite has an event in the make-run event store from
// this run, and `chronicle verify` finds the make-run ledger as it was.

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <sstream>
#include <thread>

#include "domain/ids.hpp"
#include "tests/support/cli.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/node_process.hpp"
#include "tests/support/stream_reader.hpp"
#include "tests/support/test_stream.hpp"

namespace chronicle::testing {
namespace {

using namespace std::chrono_literals;

constexpr auto settle_timeout = 30s;
constexpr auto poll_interval = 200ms;
constexpr const char* db_variables[] = {"CHRONICLE_EVENTS_DB",
                                        "CHRONICLE_STATE_DB",
                                        "CHRONICLE_ADMIN_DB",
                                        "CHRONICLE_STATE_ADMIN_DB",
                                        "CHRONICLE_PROJECTOR_EVENTS_DB",
                                        "CHRONICLE_PROJECTOR_STATE_DB",
                                        "CHRONICLE_AUDITOR_EVENTS_DB",
                                        "CHRONICLE_AUDITOR_STATE_DB"};

// Where the set-up leaves what the check compares against (set by tests/CMakeLists.txt).
std::string baseline_path() {
  return env_or("CHRONICLE_TEST_BASELINE", "/tmp/chronicle-test-baseline.json");
}

// What `make run` uses on this stack: `stack.sh env` without --tests.
std::map<std::string, std::string> make_run_env() {
  std::map<std::string, std::string> out;
  const auto printed =
      run_command("bash '" + env_or("CHRONICLE_STACK", "infra/local/stack.sh") + "' env",
                  stderr_output::dropped);
  std::istringstream lines{printed.output};
  for (std::string line; std::getline(lines, line);) {
    const auto eq = line.find('=');
    if (eq != std::string::npos) out[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return out;
}

// `chronicle verify` on the make-run ledger, as its auditor.
int verify_make_run_ledger(const std::map<std::string, std::string>& run) {
  const auto verified =
      run_command("env CHRONICLE_AUDITOR_EVENTS_DB='" + run.at("CHRONICLE_AUDITOR_EVENTS_DB") +
                      "' CHRONICLE_AUDITOR_STATE_DB='" + run.at("CHRONICLE_AUDITOR_STATE_DB") +
                      "' " + env_or("CHRONICLE_CLI", "build/bin/chronicle") + " verify",
                  stderr_output::dropped);
  return verified.exit_code;
}

bool has_table(pqxx::connection& conn, const std::string& table) {
  pqxx::read_transaction txn{conn};
  return !txn.exec_params1("SELECT to_regclass($1)", "public." + table)[0].is_null();
}

std::vector<std::string> test_accounts() {
  pqxx::connection conn{auditor_events_db()};
  pqxx::read_transaction txn{conn};
  std::vector<std::string> out;
  for (const auto& row : txn.exec("SELECT DISTINCT account_id FROM events")) {
    out.push_back(row[0].as<std::string>());
  }
  return out;
}

// Events of `accounts` that the make-run event store holds from `since` (microseconds) on.
std::int64_t make_run_events_of(const std::map<std::string, std::string>& run,
                                const std::vector<std::string>& accounts, std::int64_t since) {
  pqxx::connection conn{run.at("CHRONICLE_AUDITOR_EVENTS_DB")};
  if (!has_table(conn, "events")) return 0;
  pqxx::read_transaction txn{conn};
  std::int64_t total = 0;
  for (const auto& id : accounts) {
    total += txn.exec_params1(
                    "SELECT count(*) FROM events WHERE account_id = $1 AND occurred_at >= "
                    "to_timestamp($2::double precision / 1e6)",
                    id, since)[0]
                 .as<std::int64_t>();
  }
  return total;
}

std::int64_t make_run_balance_rows(const std::map<std::string, std::string>& run,
                                   const std::string& account_id) {
  pqxx::connection conn{run.at("CHRONICLE_AUDITOR_STATE_DB")};
  if (!has_table(conn, "account_balance")) return 0;
  pqxx::read_transaction txn{conn};
  return txn
      .exec_params1("SELECT count(*) FROM account_balance WHERE account_id = $1", account_id)[0]
      .as<std::int64_t>();
}

template <class Predicate>
bool eventually(Predicate done) {
  return testing::eventually(done, settle_timeout, poll_interval);
}

TEST(test_stack, reset) {
  require_test_stack();
  ASSERT_EQ(stack_command("reset-tests"), 0);
  ASSERT_TRUE(delete_stream(nats_url(), stream_name())) << "NATS at " << nats_url();
  const auto migrated = run_cli("migrate");
  ASSERT_EQ(migrated.exit_code, 0) << migrated.output;
  EXPECT_TRUE(test_accounts().empty()) << "the suites start from an empty event store";
  EXPECT_FALSE(read_stream_settings(nats_url(), stream_name()).found);

  const nlohmann::json baseline{{"started_micros", domain::now_micros()},
                                {"make_run_verify_exit", verify_make_run_ledger(make_run_env())}};
  std::ofstream{baseline_path()} << baseline.dump();
}

TEST(test_stack, given_what_make_run_serves_then_the_support_refuses_to_run) {
  // Each refusal runs in a fresh process: a fork of this one would inherit the NATS client's
  // threads, and LeakSanitizer reports in the child that it cannot suspend them.
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  const auto run = make_run_env();
  ASSERT_EQ(run.count("CHRONICLE_EVENTS_DB"), 1u);
  EXPECT_EXIT(
      {
        ::setenv("CHRONICLE_EVENTS_DB", run.at("CHRONICLE_EVENTS_DB").c_str(), 1);
        require_test_stack();
        std::exit(0);
      },
      ::testing::ExitedWithCode(2), "CHRONICLE_EVENTS_DB names chronicle_events");
  EXPECT_EXIT(
      {
        ::setenv("CHRONICLE_STREAM", run.at("CHRONICLE_STREAM").c_str(), 1);
        require_test_stack();
        std::exit(0);
      },
      ::testing::ExitedWithCode(2), "CHRONICLE_STREAM is LEDGER");
  EXPECT_EXIT(
      {
        ::unsetenv("CHRONICLE_STATE_DB");
        require_test_stack();
        std::exit(0);
      },
      ::testing::ExitedWithCode(2), "CHRONICLE_STATE_DB is not set");
}

TEST(test_stack, make_run_untouched) {
  const auto run = make_run_env();
  for (const char* name : db_variables) {
    ASSERT_EQ(run.count(name), 1u) << name;
    const auto suites = database_name(env_or(name, ""));
    EXPECT_NE(database_name(run.at(name)), suites) << name;
    EXPECT_EQ(suites.rfind("chronicle_test_", 0), 0u) << name << ": " << suites;
  }
  ASSERT_EQ(run.count("CHRONICLE_STREAM"), 1u);
  const auto run_stream = messaging::stream_names::parse(run.at("CHRONICLE_STREAM"));
  ASSERT_TRUE(run_stream.ok());
  EXPECT_NE(run_stream->subjects(), test_stream().subjects());

  std::ifstream file{baseline_path()};
  const auto baseline = nlohmann::json::parse(file, nullptr, false);
  ASSERT_TRUE(baseline.is_object()) << "no baseline at " << baseline_path() << ": run the set-up";

  // A node started the way every suite starts its nodes, doing what they do.
  const auto port = static_cast<std::uint16_t>(std::stoi(env_or("CHRONICLE_TEST_PORT", "18086")));
  const std::string id = "isolated-" + unique_suffix();
  {
    node_process node{port};
    ASSERT_TRUE(node.started()) << "see " << node.log_path();
    ASSERT_EQ(post_json(port, "/commands/create-account",
                        {{"account_id", id}, {"owner_name", "I"}, {"currency", "EUR"}})
                  .status,
              201);
    ASSERT_EQ(post_json(port, "/commands/deposit", {{"account_id", id}, {"amount", "5"}}).status,
              201);
    const auto subject = test_stream().subject_for(id);
    EXPECT_TRUE(eventually([&] {
      return stored_on_subject(nats_url(), stream_name(), subject) == 2;
    })) << "the suites' stream has the node's events (see "
        << node.log_path() << ")";
    EXPECT_TRUE(eventually([&] {
      const auto read = http_request(port, "GET", "/accounts/" + id);
      return read.status == 200 && read.json().value("version", 0) == 2;
    })) << "the suites' read models have them";
  }

  auto accounts = test_accounts();
  EXPECT_NE(std::find(accounts.begin(), accounts.end(), id), accounts.end())
      << "the suites' event store has the node's events";
  if (std::find(accounts.begin(), accounts.end(), id) == accounts.end()) accounts.push_back(id);
  EXPECT_EQ(make_run_events_of(run, accounts, baseline["started_micros"].get<std::int64_t>()), 0)
      << "an event of the suites' accounts reached the make-run event store";
  EXPECT_EQ(make_run_balance_rows(run, id), 0);
  // -1 when the make-run stream does not exist (no `make run` on this stack yet).
  EXPECT_LE(stored_on_subject(nats_url(), run_stream->name(), run_stream->subject_for(id)), 0)
      << "a test event reached the make-run stream";
  EXPECT_EQ(verify_make_run_ledger(run), baseline["make_run_verify_exit"].get<int>())
      << "chronicle verify finds the make-run ledger changed";
}

}  // namespace
}  // namespace chronicle::testing
