// No secret appears in what the ledger's programs log or print
// (docs/SECURITY.md, "Secrets in logs"). The node and the CLI run with the
// stack's connection strings, whose passwords are distinctive, and with
// made-up ones; they are made to log at start, on a failing connection, on a
// role with the wrong privileges and on a malformed connection string; the node also
// serves requests with API keys, one of them refused. Nothing they write to stdout, stderr
// or their log file may contain any of the passwords or the keys' secrets.

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "persistence/migrate.hpp"
#include "tests/support/cli.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/node_process.hpp"
#include "tests/support/test_keys.hpp"

namespace chronicle::testing {
namespace {

// Made up, and as distinctive as the stack's.
const std::string wrong_password = "Wrong-Secret-Q8z7Xk";
const std::string second_half = "Second-Half-W3v9Rt";

std::string password_of(const std::string& connection) {
  const auto at = connection.find("password=");
  if (at == std::string::npos) return "";
  const auto first = at + 9;
  return connection.substr(first, connection.find(' ', first) - first);
}

std::string with_password(const std::string& connection, const std::string& password) {
  const auto first = connection.find("password=") + 9;
  const auto end = connection.find(' ', first);
  return connection.substr(0, first) + password +
         (end == std::string::npos ? "" : connection.substr(end));
}

std::vector<std::string> all_connections() {
  return {events_db(),           state_db(),           admin_db(),          state_admin_db(),
          projector_events_db(), projector_state_db(), auditor_events_db(), auditor_state_db()};
}

// An API token presented to the node and refused: it must not be logged either.
const std::string refused_token = "test-operator." + std::string(64, 'e');

std::vector<std::string> secrets() {
  std::vector<std::string> out{wrong_password, second_half, refused_token.substr(14)};
  // The secret halves of the API keys every request of the tests presents.
  for (const auto* token : {&keys().operator_token, &keys().auditor_token, &keys().admin_token}) {
    out.push_back(token->substr(token->find('.') + 1));
  }
  for (const auto& c : all_connections()) {
    const auto p = password_of(c);
    if (!p.empty()) out.push_back(p);
  }
  return out;
}

std::string read_file(const std::string& path) {
  std::ifstream in{path};
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::uint16_t test_port() {
  return static_cast<std::uint16_t>(std::stoi(env_or("CHRONICLE_TEST_PORT", "18087")));
}

std::string quoted(const std::string& s) {
  return "'" + s + "'";
}

class secrets_in_logs : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ASSERT_TRUE(persistence::migrate(admin_db(), persistence::events_migrations()).ok());
    ASSERT_TRUE(persistence::migrate(state_admin_db(), persistence::state_migrations()).ok());
  }

  void SetUp() override {
    // The test means something only if the stack's passwords are not also role
    // names or other words that a log may legitimately contain.
    for (const auto& c : all_connections()) {
      const auto p = password_of(c);
      ASSERT_FALSE(p.empty()) << "no password in a CHRONICLE_*_DB connection string";
      ASSERT_EQ(p.find("chronicle_"), std::string::npos) << p;
    }
  }

  static void expect_no_secret(const std::string& what, const std::string& text) {
    for (const auto& secret : secrets()) {
      EXPECT_EQ(text.find(secret), std::string::npos)
          << what << " contains the password " << secret << ":\n"
          << text;
    }
  }
};

TEST_F(secrets_in_logs, help_texts_show_connection_strings_without_passwords) {
  const auto node_help = run_command(env_or("CHRONICLED", "build/bin/chronicled") + " --help");
  EXPECT_EQ(node_help.exit_code, 0);
  EXPECT_NE(node_help.output.find("user=chronicle_app password=***"), std::string::npos)
      << node_help.output;
  expect_no_secret("chronicled --help", node_help.output);
  for (const char* command : {"migrate", "verify", "replay", "check"}) {
    const auto help = run_cli(std::string{command} + " --help");
    EXPECT_EQ(help.exit_code, 0) << command;
    EXPECT_NE(help.output.find("password=***"), std::string::npos) << help.output;
    expect_no_secret(std::string{"chronicle "} + command + " --help", help.output);
  }
}

TEST_F(secrets_in_logs, cli_errors_name_the_connection_without_its_password) {
  // A wrong password, a malformed string whose unquoted password has a space
  // (libpq quotes the word after it), and a role without the privilege.
  const auto wrong =
      run_cli("migrate --admin-db " + quoted(with_password(admin_db(), wrong_password)));
  EXPECT_EQ(wrong.exit_code, 1) << wrong.output;
  EXPECT_NE(wrong.output.find("password=***"), std::string::npos) << wrong.output;
  expect_no_secret("migrate with a wrong password", wrong.output);

  const auto malformed =
      run_cli("migrate --admin-db " +
              quoted(with_password(admin_db(), wrong_password + " " + second_half)));
  EXPECT_EQ(malformed.exit_code, 1) << malformed.output;
  expect_no_secret("migrate with a malformed connection string", malformed.output);

  const auto verify_wrong = run_cli("verify --account nobody --auditor-events-db " +
                                    quoted(with_password(auditor_events_db(), wrong_password)));
  EXPECT_EQ(verify_wrong.exit_code, 2) << verify_wrong.output;
  EXPECT_NE(verify_wrong.output.find("password authentication failed"), std::string::npos)
      << verify_wrong.output;
  expect_no_secret("verify with a wrong password", verify_wrong.output);

  const auto refused =
      run_cli("replay --projection balances --projector-state-db " + quoted(auditor_state_db()));
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_NE(refused.output.find("lacks a privilege"), std::string::npos) << refused.output;
  expect_no_secret("replay as the auditor", refused.output);

  // A connection string that lost its option name is echoed as an unexpected argument.
  const auto stray = run_cli("verify " + quoted(auditor_events_db()));
  EXPECT_EQ(stray.exit_code, 2) << stray.output;
  EXPECT_NE(stray.output.find("unexpected argument"), std::string::npos) << stray.output;
  expect_no_secret("verify with a stray connection string", stray.output);

  const auto ok = run_cli("migrate");
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  expect_no_secret("migrate", ok.output);
}

TEST_F(secrets_in_logs, a_node_logs_start_commands_and_failures_without_passwords) {
  const std::string id = "secrets-" + unique_suffix();
  std::string healthy_log;
  {
    node_process node{test_port()};
    ASSERT_TRUE(node.started()) << "see " << node.log_path();
    const auto created = post_json(node.port(), "/commands/create-account",
                                   {{"account_id", id}, {"owner_name", "S"}, {"currency", "EUR"}});
    EXPECT_EQ(created.status, 201) << created.body;
    EXPECT_EQ(http_request(node.port(), "GET", "/events", "",
                           {{"Authorization", "Bearer " + refused_token}})
                  .status,
              401);
    healthy_log = read_file(node.log_path());
  }
  EXPECT_NE(healthy_log.find("--events-db host="), std::string::npos) << healthy_log;
  expect_no_secret("a healthy node's log", healthy_log);

  // Queries with a wrong password: a failing connection, at start and after.
  std::string failing_log;
  {
    node_process node{test_port(),
                      {"--state-db", with_password(state_db(), wrong_password), "--nats", ""}};
    ASSERT_TRUE(node.started()) << "see " << node.log_path();
    EXPECT_EQ(http_request(node.port(), "GET", "/accounts/" + id, "", {}, 5000).status, 503);
    failing_log = read_file(node.log_path());
  }
  EXPECT_NE(failing_log.find("password authentication failed"), std::string::npos) << failing_log;
  expect_no_secret("a failing node's log", failing_log);

  // Commands as the auditor: the node refuses to start, naming the role.
  std::string refused_log;
  {
    node_process node{test_port(), {"--events-db", auditor_events_db(), "--nats", ""}};
    EXPECT_FALSE(node.started());
    refused_log = read_file(node.log_path());
  }
  EXPECT_NE(refused_log.find("connects as role chronicle_auditor, which lacks INSERT on events"),
            std::string::npos)
      << refused_log;
  expect_no_secret("a refused node's log", refused_log);

  // Migrations at start that cannot connect: the node gives up and says why.
  std::string unstartable_log;
  {
    node_process node{test_port(),
                      {"--admin-db", with_password(admin_db(), wrong_password + " " + second_half),
                       "--nats", ""}};
    EXPECT_FALSE(node.started());
    unstartable_log = read_file(node.log_path());
  }
  EXPECT_NE(unstartable_log.find("migration failed"), std::string::npos) << unstartable_log;
  expect_no_secret("an unstartable node's log", unstartable_log);
}

}  // namespace
}  // namespace chronicle::testing
