// The connection strings of the production topology (infra/docker-compose.yml) in use: libpq
// multi-host URLs with target_session_attrs=read-write, the password in the URL. Compose
// cannot run here, so the form itself is tried on the local stack's PostgreSQL, with a first
// host that refuses connections standing for a dead CockroachDB node: `chronicle migrate`, the
// privilege check the node runs at start, and a node serving through such URLs alone; and no
// password reaches their output.

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "persistence/privileges.hpp"
#include "tests/support/cli.hpp"
#include "tests/support/node_process.hpp"

namespace chronicle::testing {
namespace {

// A loopback port nothing listens on (tcpmux): a connection to it is refused at once.
constexpr const char* dead_host = "127.0.0.1:1";

// The value of `key` in the local stack's keyword/value strings (no quoting there).
std::string keyword(const std::string& connection, const std::string& key) {
  std::istringstream words{connection};
  for (std::string word; words >> word;) {
    if (word.rfind(key + "=", 0) == 0) return word.substr(key.size() + 1);
  }
  ADD_FAILURE() << "no " << key << " in the stack's connection string";
  return {};
}

// The stack's keyword/value string as a compose-style URL on `hosts` (host:port,...).
std::string url_on(const std::string& connection, const std::string& hosts) {
  return "postgresql://" + keyword(connection, "user") + ":" + keyword(connection, "password") +
         "@" + hosts + "/" + keyword(connection, "dbname") +
         "?target_session_attrs=read-write&connect_timeout=2";
}

// A dead host first, then the stack's own server.
std::string behind_dead_host(const std::string& connection) {
  return url_on(connection, std::string{dead_host} + "," + keyword(connection, "host") + ":" +
                                keyword(connection, "port"));
}

std::uint16_t test_port() {
  return static_cast<std::uint16_t>(std::stoi(env_or("CHRONICLE_TEST_PORT", "18094")));
}

bool has_line_starting(const std::string& text, const std::string& prefix) {
  return text.rfind(prefix, 0) == 0 || text.find("\n" + prefix) != std::string::npos;
}

std::string file_text(const std::string& path) {
  std::ifstream in{path};
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

TEST(multi_host, migrate_connects_past_a_dead_first_host) {
  const auto out = run_cli("migrate --admin-db '" + behind_dead_host(admin_db()) +
                           "' --state-admin-db '" + behind_dead_host(state_admin_db()) + "'");
  EXPECT_EQ(out.exit_code, 0) << out.output;
  EXPECT_TRUE(has_line_starting(out.output, "admin-db: schema up to date")) << out.output;
  EXPECT_TRUE(has_line_starting(out.output, "state-admin-db: schema up to date")) << out.output;
  EXPECT_EQ(out.output.find(keyword(admin_db(), "password")), std::string::npos) << out.output;
}

TEST(multi_host, with_no_live_host_migrate_fails_without_the_password) {
  const auto url = url_on(admin_db(), dead_host);
  const auto out = run_cli("migrate --admin-db '" + url + "' --state-admin-db '" +
                           behind_dead_host(state_admin_db()) + "'");
  EXPECT_NE(out.exit_code, 0) << out.output;
  EXPECT_NE(out.output.find("migration failed"), std::string::npos) << out.output;
  EXPECT_EQ(out.output.find(keyword(admin_db(), "password")), std::string::npos) << out.output;
}

TEST(multi_host, the_privilege_check_runs_through_the_url) {
  const auto checked = persistence::check_privileges(behind_dead_host(events_db()),
                                                     persistence::application_on_events());
  ASSERT_TRUE(checked.ok());
  EXPECT_EQ(checked->role, keyword(events_db(), "user"));
  EXPECT_TRUE(checked->problems.empty());
}

TEST(multi_host, a_node_serves_through_multi_host_urls_alone) {
  node_process node{test_port(),
                    {"--events-db", behind_dead_host(events_db()), "--state-db",
                     behind_dead_host(state_db()), "--projector-events-db",
                     behind_dead_host(projector_events_db()), "--projector-state-db",
                     behind_dead_host(projector_state_db()), "--admin-db", "",
                     "--state-admin-db", ""}};
  ASSERT_TRUE(node.started()) << file_text(node.log_path());
  const auto log = file_text(node.log_path());
  for (const auto& connection : {events_db(), state_db(), projector_state_db()}) {
    EXPECT_EQ(log.find(keyword(connection, "password")), std::string::npos) << log;
  }
}

}  // namespace
}  // namespace chronicle::testing
