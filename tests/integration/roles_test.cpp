// The database roles (docs/SECURITY.md, "Database roles") against the real
// PostgreSQL of the local stack: every operation each role must not do fails
// with a privilege error, every one it needs works, and the processes that use
// the roles do their jobs with them (a node's commands and projection, verify
// as the auditor, replay as the read-model writer).

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <set>
#include <thread>

#include "persistence/migrate.hpp"
#include "tests/support/cli.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/node_process.hpp"

namespace chronicle::testing {
namespace {

enum class op { select, insert, update, remove, truncate };
constexpr op all_ops[] = {op::select, op::insert, op::update, op::remove, op::truncate};

const char* op_name(op o) {
  switch (o) {
    case op::select: return "SELECT";
    case op::insert: return "INSERT";
    case op::update: return "UPDATE";
    case op::remove: return "DELETE";
    case op::truncate: return "TRUNCATE";
  }
  return "?";
}

// A statement that exercises exactly one privilege and changes nothing when it
// is allowed (privileges are checked before any row is looked at); it runs in
// a transaction that is rolled back all the same.
std::string probe(op o, const std::string& table, const std::string& column) {
  switch (o) {
    case op::select: return "SELECT count(*) FROM " + table + " WHERE false";
    case op::insert: return "INSERT INTO " + table + " (" + column + ") SELECT NULL WHERE false";
    case op::update: return "UPDATE " + table + " SET " + column + " = NULL WHERE false";
    case op::remove: return "DELETE FROM " + table + " WHERE false";
    case op::truncate: return "TRUNCATE " + table;
  }
  return "";
}

struct table {
  std::string name;
  std::string column;  // any column, for INSERT and UPDATE
};

const std::vector<table> event_tables{{"events", "account_id"},
                                      {"commands", "idempotency_key"},
                                      {"outbox", "event_id"},
                                      {"snapshots", "account_id"},
                                      {"hold_revocations", "account_id"},
                                      {"schema_migrations", "name"}};
const std::vector<table> read_models{{"account_balance", "account_id"},
                                     {"transactions", "event_id"},
                                     {"timeline", "event_id"},
                                     {"transfers", "transfer_id"},
                                     {"projection_checkpoints", "projection"},
                                     {"projection_status", "projection"}};

// The read models, their *_rebuild twins (which `chronicle replay` fills) and
// the migrations' bookkeeping.
std::vector<table> state_tables() {
  std::vector<table> out = read_models;
  for (const auto& t : read_models) out.push_back({t.name + "_rebuild", t.column});
  out.push_back({"schema_migrations", "name"});
  return out;
}

using allowed_ops = std::set<op>;
const allowed_ops none{};
const allowed_ops read_only{op::select};
const allowed_ops append_only{op::select, op::insert};
const allowed_ops rows_only{op::select, op::insert, op::update, op::remove};

struct role_case {
  std::string role;
  std::string events_db;
  std::string state_db;
  // What the role may do on each table; a table not named here: nothing.
  std::map<std::string, allowed_ops> events;
  std::map<std::string, allowed_ops> state;
};

std::map<std::string, allowed_ops> on_read_models(const allowed_ops& live,
                                                  const allowed_ops& rebuild) {
  std::map<std::string, allowed_ops> out;
  for (const auto& t : read_models) {
    out[t.name] = live;
    out[t.name + "_rebuild"] = rebuild;
  }
  return out;
}

std::vector<role_case> role_cases() {
  auto auditor_state = on_read_models(read_only, read_only);
  auditor_state["schema_migrations"] = read_only;
  return {
      {"chronicle_app",
       events_db(),
       state_db(),
       {{"events", append_only},
        {"commands", append_only},
        {"snapshots", append_only},
        {"hold_revocations", append_only},
        {"outbox", rows_only}},
       on_read_models(read_only, none)},
      {"chronicle_projector",
       projector_events_db(),
       projector_state_db(),
       {{"events", read_only}},
       on_read_models(rows_only, rows_only)},
      {"chronicle_auditor",
       auditor_events_db(),
       auditor_state_db(),
       {{"events", read_only},
        {"commands", read_only},
        {"outbox", read_only},
        {"snapshots", read_only},
        {"hold_revocations", read_only},
        {"schema_migrations", read_only}},
       auditor_state},
  };
}

// "allowed", "refused" (insufficient privilege) or the unexpected error.
std::string attempt(pqxx::connection& conn, const std::string& sql) {
  pqxx::work txn{conn};
  try {
    txn.exec(sql);
    txn.abort();
    return "allowed";
  } catch (const pqxx::insufficient_privilege&) {
    return "refused";
  } catch (const std::exception& e) {
    return std::string{"error: "} + e.what();
  }
}

void migrate_all() {
  ASSERT_TRUE(persistence::migrate(admin_db(), persistence::events_migrations()).ok());
  ASSERT_TRUE(persistence::migrate(state_admin_db(), persistence::state_migrations()).ok());
}

std::uint16_t test_port() {
  return static_cast<std::uint16_t>(std::stoi(env_or("CHRONICLE_TEST_PORT", "18087")));
}

TEST(roles_table, every_role_has_exactly_its_privileges_on_every_table) {
  migrate_all();
  for (const auto& c : role_cases()) {
    SCOPED_TRACE(c.role);
    pqxx::connection events{c.events_db};
    ASSERT_EQ(events.username(), c.role);
    pqxx::connection state{c.state_db};
    ASSERT_EQ(state.username(), c.role);
    for (const auto& t : event_tables) {
      const auto found = c.events.find(t.name);
      const auto& ops = found == c.events.end() ? none : found->second;
      for (const auto o : all_ops) {
        EXPECT_EQ(attempt(events, probe(o, t.name, t.column)),
                  ops.count(o) != 0 ? "allowed" : "refused")
            << c.role << " " << op_name(o) << " on events database table " << t.name;
      }
    }
    for (const auto& t : state_tables()) {
      const auto found = c.state.find(t.name);
      const auto& ops = found == c.state.end() ? none : found->second;
      for (const auto o : all_ops) {
        EXPECT_EQ(attempt(state, probe(o, t.name, t.column)),
                  ops.count(o) != 0 ? "allowed" : "refused")
            << c.role << " " << op_name(o) << " on state database table " << t.name;
      }
    }
  }
}

TEST(roles_table, no_role_but_the_owner_may_change_the_schema) {
  migrate_all();
  const std::vector<std::string> ddl_on_events{
      "CREATE TABLE roles_probe (x INT)", "DROP TABLE events",
      "ALTER TABLE events ADD COLUMN probe INT", "CREATE INDEX roles_probe ON events (hash)",
      "ALTER TABLE events RENAME TO events_probe"};
  const std::vector<std::string> ddl_on_state{
      "CREATE TABLE roles_probe (x INT)", "DROP TABLE account_balance",
      "ALTER TABLE account_balance ADD COLUMN probe INT",
      "CREATE INDEX roles_probe ON account_balance (balance)",
      "ALTER TABLE account_balance_rebuild RENAME TO account_balance_probe"};
  for (const auto& c : role_cases()) {
    pqxx::connection events{c.events_db};
    for (const auto& sql : ddl_on_events) {
      EXPECT_EQ(attempt(events, sql), "refused") << c.role << ": " << sql;
    }
    pqxx::connection state{c.state_db};
    for (const auto& sql : ddl_on_state) {
      EXPECT_EQ(attempt(state, sql), "refused") << c.role << ": " << sql;
    }
  }
}

// A node started with the stack's roles serves commands (application role)
// and projects them (read-model writer role); verify runs as the auditor and
// replay as the read-model writer.
TEST(roles_processes, node_verify_and_replay_each_work_with_their_role) {
  migrate_all();
  const std::string id = "roles-" + unique_suffix();
  {
    node_process node{test_port()};
    ASSERT_TRUE(node.started()) << "see " << node.log_path();
    const auto created = post_json(node.port(), "/commands/create-account",
                                   {{"account_id", id},
                                    {"owner_name", "Rolf"},
                                    {"currency", "EUR"},
                                    {"initial_balance", "12.34"}});
    ASSERT_EQ(created.status, 201) << created.body;
    // The projection is asynchronous: look until the read model has the account.
    constexpr int polls_max = 300;
    int status = 0;
    for (int i = 0; i < polls_max && status != 200; ++i) {
      status = http_request(node.port(), "GET", "/accounts/" + id, "", {}, 1000).status;
      if (status != 200) std::this_thread::sleep_for(std::chrono::milliseconds{100});
    }
    ASSERT_EQ(status, 200) << "the projection did not write the read model; see "
                           << node.log_path();
  }
  const auto verified = run_cli("verify --account " + id);
  EXPECT_EQ(verified.exit_code, 0) << verified.output;
  EXPECT_NE(verified.output.find("verified 1 accounts, 1 events: 0 problem(s)"), std::string::npos)
      << verified.output;
  const auto replayed = run_cli("replay --projection balances");
  EXPECT_EQ(replayed.exit_code, 0) << replayed.output;
  const auto again = run_cli("verify --account " + id);
  EXPECT_EQ(again.exit_code, 0) << again.output;
}

// A connection string naming a role without the privileges a command needs
// fails that command with a message naming the role, not a bare SQL error;
// a node checks its roles at start and refuses the wrong ones.
TEST(roles_processes, a_role_without_the_privilege_is_named_in_the_error) {
  migrate_all();
  struct wrong_role {
    std::vector<std::string> args;
    std::string expected;
  };
  const std::vector<wrong_role> wrong_roles{
      {{"--events-db", admin_db()},
       "--events-db connects as role chronicle_owner, which may UPDATE events, commands, "
       "snapshots, hold_revocations"},
      {{"--events-db", projector_events_db()},
       "--events-db connects as role chronicle_projector, which lacks INSERT on events"},
      {{"--projector-events-db", events_db()},
       "--projector-events-db connects as role chronicle_app, which may INSERT events"},
      {{"--projector-state-db", state_db()},
       "--projector-state-db connects as role chronicle_app, which lacks INSERT on "
       "account_balance"},
      // The event store's database where the read models' is expected.
      {{"--state-db", auditor_events_db()}, "relation \"account_balance\" does not exist"},
  };
  for (const auto& w : wrong_roles) {
    std::string log;
    {
      node_process node{test_port(), w.args};
      EXPECT_FALSE(node.started()) << w.args[0];
      std::ifstream in{node.log_path()};
      log.assign(std::istreambuf_iterator<char>{in}, {});
    }
    EXPECT_NE(log.find(w.expected), std::string::npos) << log;
    EXPECT_NE(log.find("refusing to start"), std::string::npos) << log;
  }

  const auto replayed =
      run_cli("replay --projection balances --projector-state-db '" + auditor_state_db() + "'");
  EXPECT_EQ(replayed.exit_code, 1) << replayed.output;
  EXPECT_NE(replayed.output.find("role chronicle_auditor lacks a privilege it needs"),
            std::string::npos)
      << replayed.output;
  EXPECT_NE(replayed.output.find("the live read models are unchanged"), std::string::npos)
      << replayed.output;
}

}  // namespace
}  // namespace chronicle::testing
