// Authentication and roles through the real HTTP API: who may call what, what the refused
// get, that refused commands change nothing, and that events name the key that issued them.

#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "http/api_keys.hpp"
#include "tests/support/cli.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/node_suite.hpp"
#include "tests/support/test_keys.hpp"

namespace chronicle::testing {
namespace {

using nlohmann::json;

// A node of its own, beside the suite's, on this port offset.
constexpr std::uint16_t own_node_port_offset = 300;

std::uint16_t own_node_port() {
  return static_cast<std::uint16_t>(std::stoi(env_or("CHRONICLE_TEST_PORT", "18081")) +
                                    own_node_port_offset);
}

std::map<std::string, std::string> as(const std::string& token) {
  return {{"Authorization", bearer(token)}};
}
const std::map<std::string, std::string> no_key{{"Authorization", ""}};

class auth : public node_suite {
 protected:
  static std::string open_account(const std::string& tag) {
    const std::string id = tag + "-" + unique_suffix();
    const auto r = post_json(port(), "/commands/create-account",
                             {{"account_id", id}, {"owner_name", tag}, {"currency", "USD"}});
    EXPECT_EQ(r.status, 201) << r.body;
    return id;
  }

  static json events_of(const std::string& id) {
    return http_request(port(), "GET", "/accounts/" + id + "/events").json()["events"];
  }

  static void expect_error(const http_response& r, int status, const std::string& code) {
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_EQ(r.json().value("code", ""), code) << r.body;
  }
};

TEST_F(auth, given_no_or_invalid_key_then_401_with_a_bearer_challenge_on_every_guarded_route) {
  const auto id = open_account("auth-401");
  const std::vector<std::pair<std::string, std::string>> guarded{
      {"GET", "/accounts"},
      {"GET", "/accounts/" + id},
      {"GET", "/accounts/" + id + "/events"},
      {"GET", "/accounts/" + id + "/transactions"},
      {"GET", "/accounts/" + id + "/balance-at?version=1"},
      {"GET", "/accounts/" + id + "/history"},
      {"GET", "/accounts/snapshot?ids=" + id},
      {"GET", "/events"},
      {"GET", "/metrics"},
      {"POST", "/commands/deposit"},
  };
  const std::string forged = "test-operator." + std::string(64, '0');
  for (const auto& [method, path] : guarded) {
    for (const auto& headers :
         {no_key, as(forged), as("not-a-token"),
          std::map<std::string, std::string>{{"Authorization", "Basic dGVzdDp0ZXN0"}}}) {
      SCOPED_TRACE(method + " " + path + " with " +
                   (headers.count("Authorization") ? headers.at("Authorization") : "no key"));
      const auto body = method == "POST" ? json{{"account_id", id}, {"amount", "1"}}.dump() : "";
      const auto r = http_request(port(), method, path, body, [&] {
        auto h = headers;
        if (method == "POST") h["Content-Type"] = "application/json";
        return h;
      }());
      expect_error(r, 401, "UNAUTHORIZED");
      EXPECT_EQ(r.headers.count("www-authenticate"), 1u);
    }
  }
  EXPECT_EQ(events_of(id).size(), 1u) << "a refused deposit appended nothing";
}

TEST_F(auth, given_auditor_key_then_reads_but_every_command_is_403_and_changes_nothing) {
  const auto id = open_account("auth-403");
  const auto& auditor = keys().auditor_token;
  EXPECT_EQ(http_request(port(), "GET", "/accounts/" + id + "?consistency=strong", "", as(auditor))
                .status,
            200);
  EXPECT_EQ(http_request(port(), "GET", "/events?limit=1", "", as(auditor)).status, 200);
  const std::vector<std::pair<std::string, json>> commands{
      {"create-account", {{"account_id", id + "-x"}, {"owner_name", "A"}, {"currency", "USD"}}},
      {"deposit", {{"account_id", id}, {"amount", "5"}}},
      {"withdraw", {{"account_id", id}, {"amount", "5"}}},
      {"close-account", {{"account_id", id}}},
      {"transfer", {{"from_account_id", id}, {"to_account_id", id + "-x"}, {"amount", "1"}}},
  };
  for (const auto& [route, body] : commands) {
    SCOPED_TRACE(route);
    expect_error(post_json(port(), "/commands/" + route, body, as(auditor)), 403, "FORBIDDEN");
  }
  EXPECT_EQ(events_of(id).size(), 1u);
  expect_error(http_request(port(), "GET", "/accounts/" + id + "-x?consistency=strong"), 404,
               "ACCOUNT_NOT_FOUND");
}

TEST_F(auth, given_open_routes_then_no_key_is_needed) {
  EXPECT_EQ(http_request(port(), "GET", "/health", "", no_key).status, 200);
  EXPECT_EQ(http_request(port(), "GET", "/openapi.json", "", no_key).status, 200);
}

TEST_F(auth, given_commands_of_several_keys_then_each_event_names_the_key_that_issued_it) {
  const auto a = open_account("auth-who-a");  // by the test operator
  const auto b = open_account("auth-who-b");
  ASSERT_EQ(post_json(port(), "/commands/deposit", {{"account_id", a}, {"amount", "10"}},
                      as(keys().admin_token))
                .status,
            201);
  ASSERT_EQ(post_json(port(), "/commands/transfer",
                      {{"from_account_id", a}, {"to_account_id", b}, {"amount", "4"}})
                .status,
            201);
  const auto events = events_of(a);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0]["issued_by"], "test-operator");
  EXPECT_EQ(events[1]["issued_by"], "test-admin");
  EXPECT_EQ(events[2]["issued_by"], "test-operator");
  EXPECT_EQ(events_of(b).back()["issued_by"], "test-operator") << "the credit leg too";
}

// The status a request with `token` gets from the node on `port`, once it is `wanted` or
// after at most 5 s: a node re-reads a changed keys file at most once a second.
int status_once_reloaded(std::uint16_t port, const std::string& token, int wanted) {
  int status = 0;
  for (int attempt = 0; attempt < 50 && status != wanted; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds{100});
    status = http_request(port, "GET", "/events?limit=1", "", as(token)).status;
  }
  return status;
}

// The token `chronicle keys create` printed for `id`: the line "<id>.<64 hex>".
std::string token_in(const std::string& output, const std::string& id) {
  std::istringstream lines{output};
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind(id + ".", 0) == 0 && line.size() == id.size() + 1 + 64) return line;
  }
  return "";
}

TEST(auth_node, given_keys_made_with_the_cli_then_a_node_accepts_replaces_and_revokes_them) {
  const auto p = own_node_port();
  const std::string file = "/tmp/chronicle-cli-keys-" + unique_suffix();
  const auto keys_cli = [&](const std::string& args) {
    return run_cli("keys " + args + " --file " + file);
  };
  const auto made = keys_cli("create --id cli-ops --role operator");
  ASSERT_EQ(made.exit_code, 0) << made.output;
  const auto ops = token_in(made.output, "cli-ops");
  ASSERT_FALSE(ops.empty()) << made.output;
  const auto audit = token_in(keys_cli("create --id cli-audit --role auditor").output, "cli-audit");
  ASSERT_FALSE(audit.empty());
  std::ifstream stored{file};
  const std::string text{std::istreambuf_iterator<char>{stored}, {}};
  EXPECT_EQ(text.find(ops.substr(ops.find('.') + 1)), std::string::npos) << "only hashes";
  EXPECT_EQ(keys_cli("create --id cli-ops --role operator").exit_code, 1) << "id taken";
  EXPECT_EQ(keys_cli("create --id cli-x --role root").exit_code, 2);
  EXPECT_EQ(keys_cli("create --id CLI-X --role auditor").exit_code, 2);
  const auto listed = keys_cli("list").output;
  EXPECT_NE(listed.find("cli-ops"), std::string::npos) << listed;
  EXPECT_NE(listed.find("auditor"), std::string::npos) << listed;

  node_process node{p, {"--api-keys", file}};
  ASSERT_TRUE(node.started()) << "see " << node.log_path();
  const std::string id = "auth-cli-" + unique_suffix();
  const json open{{"account_id", id}, {"owner_name", "C"}, {"currency", "USD"}};
  EXPECT_EQ(post_json(p, "/commands/create-account", open, as(audit)).status, 403);
  EXPECT_EQ(post_json(p, "/commands/create-account", open, as(ops)).status, 201);

  // --replace: a new token for the same id; the old one stops working.
  const auto replaced =
      token_in(keys_cli("create --id cli-ops --role operator --replace").output, "cli-ops");
  ASSERT_FALSE(replaced.empty());
  EXPECT_EQ(status_once_reloaded(p, ops, 401), 401);
  EXPECT_EQ(status_once_reloaded(p, replaced, 200), 200);
  // revoke: refused from then on; revoking again says there is no such key.
  EXPECT_EQ(keys_cli("revoke --id cli-audit").exit_code, 0);
  EXPECT_EQ(status_once_reloaded(p, audit, 401), 401);
  EXPECT_EQ(keys_cli("revoke --id cli-audit").exit_code, 1);
  ::unlink(file.c_str());
}

TEST(auth_node, given_no_keys_and_no_insecure_flag_then_the_node_refuses_to_start) {
  const auto p = own_node_port();
  node_process refused{p, {"--api-keys", ""}};
  EXPECT_FALSE(refused.started());
  std::ifstream log{refused.log_path()};
  const std::string text{std::istreambuf_iterator<char>{log}, {}};
  EXPECT_NE(text.find("no API keys"), std::string::npos) << text;
}

TEST(auth_node, given_insecure_dev_then_loud_warning_and_events_say_so) {
  const auto p = own_node_port();
  node_process node{p, {"--insecure-dev"}};
  ASSERT_TRUE(node.started()) << "see " << node.log_path();
  const std::string id = "auth-insecure-" + unique_suffix();
  ASSERT_EQ(post_json(p, "/commands/create-account",
                      {{"account_id", id}, {"owner_name", "I"}, {"currency", "USD"}}, no_key)
                .status,
            201);
  const auto events =
      http_request(p, "GET", "/accounts/" + id + "/events", "", no_key).json()["events"];
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["issued_by"], std::string{http::insecure_principal});
  std::ifstream log{node.log_path()};
  const std::string text{std::istreambuf_iterator<char>{log}, {}};
  EXPECT_NE(text.find("AUTHENTICATION IS OFF"), std::string::npos) << text;
}

TEST(auth_node, given_key_revoked_while_the_node_runs_then_refused_within_seconds) {
  const auto p = own_node_port();
  const std::string file = "/tmp/chronicle-auth-revoke-" + unique_suffix();
  auto kept = http::issue_key("kept", http::api_role::auditor, 0);
  auto revoked = http::issue_key("revoked", http::api_role::auditor, 0);
  ASSERT_TRUE(kept && revoked);
  ASSERT_TRUE(http::write_keys_file(file, {kept->key, revoked->key}).ok());
  node_process node{p, {"--api-keys", file}};
  ASSERT_TRUE(node.started()) << "see " << node.log_path();
  ASSERT_EQ(http_request(p, "GET", "/events?limit=1", "", as(revoked->token)).status, 200);
  ASSERT_TRUE(http::write_keys_file(file, {kept->key}).ok());
  EXPECT_EQ(status_once_reloaded(p, revoked->token, 401), 401);
  EXPECT_EQ(http_request(p, "GET", "/events?limit=1", "", as(kept->token)).status, 200);
  ::unlink(file.c_str());
}

}  // namespace
}  // namespace chronicle::testing
