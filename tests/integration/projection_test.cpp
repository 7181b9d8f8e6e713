// The projector against the real PostgreSQL event store and read models:
// redelivered and missing bus messages still converge the views.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "domain/event_codec.hpp"
#include "persistence/migrate.hpp"
#include "persistence/pg_event_store.hpp"
#include "persistence/pg_read_models.hpp"
#include "projections/projector.hpp"
#include "tests/support/node_process.hpp"
#include "tests/support/test_stream.hpp"

namespace chronicle::testing {
namespace {

class projection : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ASSERT_TRUE(persistence::migrate(admin_db(), persistence::events_migrations()).ok());
    ASSERT_TRUE(persistence::migrate(state_admin_db(), persistence::state_migrations()).ok());
  }

  std::vector<domain::event> commit(const std::string& id,
                                    const std::vector<domain::event_body>& bodies) {
    auto state = persistence::load_state(events_, id);
    EXPECT_TRUE(state.ok());
    auto sealed = domain::seal(*state, bodies, domain::new_uuid(), domain::now_micros());
    EXPECT_TRUE(events_.append({{{id, state->version}}, sealed, {}, {}, {}}).ok());
    return sealed;
  }

  static std::vector<messaging::incoming_message> messages(const std::vector<domain::event>& es) {
    std::vector<messaging::incoming_message> out;
    std::uint64_t token = 0;
    for (const auto& e : es) {
      out.push_back({test_stream().subject_for(e.account_id), domain::event_to_json(e).dump(),
                     ++token, token, e.event_id});
    }
    return out;
  }

  projections::batch_outcome project(const std::vector<messaging::incoming_message>& batch) {
    auto outcome = projections::project_batch(batch, views_, events_);
    EXPECT_TRUE(outcome.ok());
    return outcome.ok() ? *outcome : projections::batch_outcome{};
  }

  void expect_converged(const std::string& id) {
    const auto folded = persistence::load_state(events_, id);
    const auto row = views_.account(id);
    ASSERT_TRUE(folded.ok());
    ASSERT_TRUE(row.ok());
    ASSERT_TRUE(row->has_value());
    EXPECT_EQ((*row)->balance, folded->balance);
    EXPECT_EQ((*row)->version, folded->version);
    EXPECT_EQ((*row)->last_hash, folded->last_hash);
    const auto txs = views_.transactions(id, 0, 1000);
    ASSERT_TRUE(txs.ok());
    EXPECT_EQ(static_cast<std::int64_t>(txs->size()), folded->version);
    ASSERT_FALSE(txs->empty());
    EXPECT_EQ(txs->front().balance_after, folded->balance);
  }

  persistence::pg_event_store events_{events_db()};
  // The projections write the read models as the read-model writer role.
  persistence::pg_read_models views_{projector_state_db()};
};

TEST_F(projection, given_batch_when_redelivered_then_every_version_applied_once) {
  const std::string id = "proj-" + unique_suffix();
  auto es = commit(id, {domain::account_created{"P", "USD", 1000}});
  const auto more = commit(id, {domain::money_withdrawn{"USD", 250, "x"}});
  es.insert(es.end(), more.begin(), more.end());
  EXPECT_EQ(project(messages(es)).applied, 2u);
  const auto again = project(messages(es));
  EXPECT_EQ(again.applied, 0u);
  EXPECT_EQ(again.duplicates, 2u);
  EXPECT_EQ(again.ack_tokens.size(), 2u);
  expect_converged(id);
}

TEST_F(projection, given_skipped_publishes_when_a_later_event_arrives_then_gap_filled) {
  const std::string id = "gap-" + unique_suffix();
  commit(id, {domain::account_created{"G", "EUR", 0}});
  for (int i = 0; i < 5; ++i) commit(id, {domain::money_deposited{"EUR", 100, "d"}});
  const auto last = commit(id, {domain::money_withdrawn{"EUR", 50, "w"}});
  const auto outcome = project(messages(last));
  EXPECT_EQ(outcome.gap_filled, 7u);
  EXPECT_EQ(outcome.applied, 7u);
  expect_converged(id);
}

TEST_F(projection, given_two_accounts_out_of_order_then_both_converge) {
  const std::string a = "ooo-a-" + unique_suffix();
  const std::string b = "ooo-b-" + unique_suffix();
  auto es =
      commit(a, {domain::account_created{"A", "GBP", 10}, domain::money_deposited{"GBP", 5, ""}});
  const auto eb = commit(b, {domain::account_created{"B", "JPY", 700}});
  es.insert(es.begin(), eb.begin(), eb.end());
  std::reverse(es.begin(), es.end());
  project(messages(es));
  expect_converged(a);
  expect_converged(b);
}

TEST_F(projection, given_old_messages_repeated_after_newer_ones_then_each_version_applied_once) {
  // Exactly-once rests on the checkpoint, written with the rows: a version at
  // or below it is never applied again, even if the bus repeats it much later.
  const std::string id = "once-" + unique_suffix();
  const auto es = commit(id, {domain::account_created{"O", "USD", 100}});
  project(messages(es));
  const auto later = commit(id, {domain::money_deposited{"USD", 1, ""}});
  project(messages(later));
  project(messages(es));
  project(messages(later));
  expect_converged(id);
}

}  // namespace
}  // namespace chronicle::testing
