// chronicle verify and chronicle replay, run as the operator runs them,
// against the real PostgreSQL of the local stack.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "domain/event_codec.hpp"
#include "persistence/migrate.hpp"
#include "persistence/pg_event_store.hpp"
#include "persistence/pg_read_models.hpp"
#include "projections/projector.hpp"
#include "tests/support/cli.hpp"
#include "tests/support/node_process.hpp"
#include "tests/support/test_stream.hpp"

namespace chronicle::testing {
namespace {

// Runs `chronicle ARGS` with stdout captured and stderr (progress lines) dropped.
cli_output chronicle_cli(const std::string& args) {
  return run_cli(args, stderr_output::dropped);
}

class tooling : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ASSERT_TRUE(persistence::migrate(admin_db(), persistence::events_migrations()).ok());
    ASSERT_TRUE(persistence::migrate(state_admin_db(), persistence::state_migrations()).ok());
  }

  // An account with three events, projected into the read models.
  std::vector<domain::event> projected_account(const std::string& id) {
    domain::account_state state;
    state.account_id = id;
    std::vector<domain::event> all;
    for (const auto& body :
         std::vector<domain::event_body>{domain::account_created{"Vera", "USD", 10'000},
                                         domain::money_withdrawn{"USD", 2'500, "rent"},
                                         domain::money_deposited{"USD", 100, "refund"}}) {
      auto sealed = domain::seal(state, {body}, domain::new_uuid(), domain::now_micros());
      EXPECT_TRUE(events_.append({{{id, state.version}}, sealed, {}, {}, {}}).ok());
      state = domain::evolve(state, sealed[0]);
      all.push_back(sealed[0]);
    }
    std::vector<messaging::incoming_message> batch;
    for (const auto& e : all) {
      batch.push_back(
          {test_stream().subject_for(id), domain::event_to_json(e).dump(), 0, 0, e.event_id});
    }
    EXPECT_TRUE(projections::project_batch(batch, views_, events_).ok());
    return all;
  }

  static void exec_as(const std::string& connection, const std::string& sql,
                      const std::string& account_id) {
    pqxx::connection conn{connection};
    pqxx::work txn{conn};
    txn.exec_params(sql, account_id);
    txn.commit();
  }

  persistence::pg_event_store events_{events_db()};
  // The projections write the read models as the read-model writer role.
  persistence::pg_read_models views_{projector_state_db()};
};

TEST_F(tooling, given_consistent_account_when_verified_then_exit_0) {
  const std::string id = "ok-" + unique_suffix();
  projected_account(id);
  const auto r = chronicle_cli("verify --account " + id);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("verified 1 accounts, 3 events: 0 problem(s)"), std::string::npos)
      << r.output;
}

TEST_F(tooling, given_event_edited_by_the_database_owner_then_verify_names_account_version_hashes) {
  const std::string id = "tamper-" + unique_suffix();
  const auto history = projected_account(id);
  // The owner role can do what the application role cannot: rewrite history.
  exec_as(admin_db(),
          "UPDATE events SET payload = jsonb_set(payload, '{amount}', '\"1.00\"')"
          " WHERE account_id = $1 AND version = 2",
          id);
  const auto r = chronicle_cli("verify --account " + id);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  auto edited = history[1];
  edited.data = R"({"amount":"1.00","currency":"USD","description":"rent"})";
  const std::string expected_line =
      "MISMATCH account " + id + " version 2: hash mismatch: expected " +
      domain::chain_hash(edited.prev_hash, edited) + ", stored " + history[1].hash;
  EXPECT_NE(r.output.find(expected_line), std::string::npos) << r.output;
}

TEST_F(tooling, given_corrupted_read_model_row_then_verify_reports_it_and_replay_repairs_it) {
  const std::string id = "corrupt-" + unique_suffix();
  projected_account(id);
  exec_as(projector_state_db(),
          "UPDATE account_balance SET balance = balance + 1 WHERE account_id = $1", id);
  const auto before = chronicle_cli("verify --account " + id);
  EXPECT_EQ(before.exit_code, 1) << before.output;
  EXPECT_NE(before.output.find("MISMATCH account " + id +
                               " version 3: balances: balance: expected 7600, stored 7601"),
            std::string::npos)
      << before.output;

  const auto replayed = chronicle_cli("replay --projection balances");
  EXPECT_EQ(replayed.exit_code, 0) << replayed.output;
  EXPECT_NE(replayed.output.find("replayed "), std::string::npos) << replayed.output;

  const auto after = chronicle_cli("verify --account " + id);
  EXPECT_EQ(after.exit_code, 0) << after.output;
  const auto row = views_.account(id);
  ASSERT_TRUE(row.ok());
  ASSERT_TRUE(row->has_value());
  EXPECT_EQ((*row)->balance, 7600);
}

TEST_F(tooling, given_snapshot_edited_by_the_database_owner_then_verify_names_account_version) {
  const std::string id = "snapcorrupt-" + unique_suffix();
  // Five events with a snapshot at version 5, committed together as a node would.
  domain::account_state state;
  state.account_id = id;
  persistence::append_batch batch{{{id, 0}}, {}, {}, {}, {}};
  std::vector<domain::event_body> bodies{domain::account_created{"Sam", "USD", 10'000}};
  for (int i = 0; i < 4; ++i) bodies.push_back(domain::money_deposited{"USD", 100, ""});
  for (const auto& body : bodies) {
    const auto sealed = domain::seal(state, {body}, domain::new_uuid(), domain::now_micros());
    state = domain::evolve(state, sealed.front());
    batch.events.push_back(sealed.front());
  }
  batch.snapshots.push_back(domain::take_snapshot(state));
  ASSERT_TRUE(events_.append(batch).ok());
  const auto clean = chronicle_cli("verify --account " + id);
  EXPECT_EQ(clean.exit_code, 0) << clean.output;

  exec_as(admin_db(),
          "UPDATE snapshots SET state = jsonb_set(state, '{balance}', '\"1.00\"')"
          " WHERE account_id = $1 AND version = 5",
          id);
  const auto r = chronicle_cli("verify --account " + id);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("MISMATCH account " + id +
                          " version 5: snapshot: balance: expected 10400, stored 100"),
            std::string::npos)
      << r.output;
}

TEST_F(tooling, given_unknown_projection_or_option_then_usage_error) {
  EXPECT_EQ(chronicle_cli("replay --projection nonsense").exit_code, 2);
  EXPECT_EQ(chronicle_cli("verify --bogus 1").exit_code, 2);
  EXPECT_EQ(chronicle_cli("frobnicate").exit_code, 2);
}

}  // namespace
}  // namespace chronicle::testing
