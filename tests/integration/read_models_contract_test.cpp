// The read models' contract (persistence/read_models.hpp), run against the in-memory twin and
// against PostgreSQL alike, so that the twin the projector tests rely on cannot drift from the
// real read models. Accounts have ids (and owners) of their own, so the suites' other rows in
// the shared test database do not matter.

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>

#include "domain/event_codec.hpp"
#include "persistence/memory_read_models.hpp"
#include "persistence/migrate.hpp"
#include "persistence/pg_read_models.hpp"
#include "tests/support/node_process.hpp"

namespace chronicle::testing {
namespace {

struct memory_backend {
  static void prepare() {}
  persistence::memory_read_models& store() { return views; }
  persistence::memory_read_models views;
};

struct postgres_backend {
  static void prepare() {
    ASSERT_TRUE(persistence::migrate(state_admin_db(), persistence::state_migrations()).ok());
  }
  persistence::pg_read_models& store() { return views; }
  persistence::pg_read_models views{projector_state_db()};
};

template <class Backend>
class read_models_contract : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { Backend::prepare(); }

  // Both sides of the read models: the writer's apply and checkpoints, and the queries.
  auto& views() { return backend_.store(); }

  // `bodies` sealed one event each after `state`, which they advance.
  static std::vector<domain::event> seal(domain::account_state& state,
                                         const std::vector<domain::event_body>& bodies) {
    std::vector<domain::event> out;
    for (const auto& body : bodies) {
      const auto sealed = domain::seal(state, {body}, domain::new_uuid(), domain::now_micros());
      state = domain::evolve(state, sealed.front());
      out.push_back(sealed.front());
    }
    return out;
  }

  static domain::account_state fresh(const std::string& tag) {
    domain::account_state state;
    state.account_id = tag + "-" + unique_suffix();
    return state;
  }

  Backend backend_;
};

using backends = ::testing::Types<memory_backend, postgres_backend>;
TYPED_TEST_SUITE(read_models_contract, backends);

TYPED_TEST(read_models_contract, given_events_applied_twice_then_each_version_once) {
  auto state = this->fresh("rm-once");
  const auto events = this->seal(state, {domain::account_created{"Olga", "EUR", 1000},
                                         domain::money_deposited{"EUR", 500, "pay"},
                                         domain::money_withdrawn{"EUR", 200, "rent"}});
  const auto first = this->views().apply(events);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(*first, 3u);
  const auto again = this->views().apply(events);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, 0u);

  const auto account = this->views().account(state.account_id);
  ASSERT_TRUE(account.ok());
  ASSERT_TRUE(account->has_value());
  EXPECT_EQ((*account)->balance, 1300);
  EXPECT_EQ((*account)->version, 3);
  EXPECT_EQ((*account)->last_hash, state.last_hash);
  const auto nobody = "nobody-" + unique_suffix();
  const auto checkpoints = this->views().checkpoints({state.account_id, nobody});
  ASSERT_TRUE(checkpoints.ok());
  EXPECT_EQ(checkpoints->at(state.account_id), 3);
  const auto unknown = checkpoints->find(nobody);
  EXPECT_TRUE(unknown == checkpoints->end() || unknown->second == 0);

  const auto transactions = this->views().transactions(state.account_id, 0, 10);
  ASSERT_TRUE(transactions.ok());
  ASSERT_EQ(transactions->size(), 3u);
  EXPECT_EQ((*transactions)[0].version, 3);  // newest first
  EXPECT_EQ((*transactions)[0].type, "withdrawal");
  EXPECT_EQ((*transactions)[0].balance_after, 1300);
  EXPECT_EQ((*transactions)[2].type, "opening");
  const auto older = this->views().transactions(state.account_id, 3, 10);
  ASSERT_TRUE(older.ok());
  EXPECT_EQ(older->size(), 2u);

  const auto rows = this->views().rows_of(state.account_id);
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->timeline.size(), 3u);
  for (const auto p : persistence::all_projections) EXPECT_EQ(rows->checkpoints.at(p), 3);
}

TYPED_TEST(read_models_contract, given_a_gap_then_the_batch_fails_and_nothing_is_written) {
  auto state = this->fresh("rm-gap");
  const auto events = this->seal(state, {domain::account_created{"Gus", "EUR", 0},
                                         domain::money_deposited{"EUR", 1, ""},
                                         domain::money_deposited{"EUR", 2, ""}});
  ASSERT_TRUE(this->views().apply({events[0]}).ok());
  const auto gap = this->views().apply({events[2]});
  EXPECT_FALSE(gap.ok());
  const auto account = this->views().account(state.account_id);
  ASSERT_TRUE(account.ok());
  ASSERT_TRUE(account->has_value());
  EXPECT_EQ((*account)->version, 1);
  // Filled in order, the same events apply.
  ASSERT_TRUE(this->views().apply({events[1], events[2]}).ok());
  EXPECT_EQ((*this->views().account(state.account_id))->balance, 3);
}

TYPED_TEST(read_models_contract, given_a_transfer_then_both_legs_and_one_transfer_row) {
  auto from = this->fresh("rm-from");
  auto to = this->fresh("rm-to");
  auto events = this->seal(from, {domain::account_created{"Fay", "USD", 1000}});
  const auto opened_to = this->seal(to, {domain::account_created{"Tom", "USD", 0}});
  events.insert(events.end(), opened_to.begin(), opened_to.end());
  const auto transfer_id = "rm-t-" + unique_suffix();
  const auto debit = this->seal(
      from, {domain::transfer_debited{transfer_id, to.account_id, "USD", 400, "share"}});
  const auto credit = this->seal(
      to, {domain::transfer_credited{transfer_id, from.account_id, "USD", 400, "share"}});
  events.insert(events.end(), debit.begin(), debit.end());
  events.insert(events.end(), credit.begin(), credit.end());
  ASSERT_TRUE(this->views().apply(events).ok());

  EXPECT_EQ((*this->views().account(from.account_id))->balance, 600);
  EXPECT_EQ((*this->views().account(to.account_id))->balance, 400);
  const auto rows = this->views().rows_of(from.account_id);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->transfers_out.size(), 1u);
  EXPECT_EQ(rows->transfers_out[0].transfer_id, transfer_id);
  EXPECT_EQ(rows->transfers_out[0].to_account_id, to.account_id);
  EXPECT_EQ(rows->transfers_out[0].amount, 400);
  const auto received = this->views().transactions(to.account_id, 0, 10);
  ASSERT_TRUE(received.ok());
  EXPECT_EQ(received->front().type, "transfer_in");
  EXPECT_EQ(received->front().counterparty, from.account_id);
}

TYPED_TEST(read_models_contract, given_an_owner_filter_then_only_that_owners_accounts_in_id_order) {
  const auto owner = "Owner-" + unique_suffix();
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    auto state = this->fresh("rm-owner-" + std::to_string(i));
    ASSERT_TRUE(this->views().apply(this->seal(state, {domain::account_created{owner, "EUR", 0}}))
                    .ok());
    ids.push_back(state.account_id);
  }
  std::sort(ids.begin(), ids.end());
  persistence::account_filter filter;
  filter.owner_name = owner;
  filter.limit = 2;
  const auto page = this->views().accounts(filter);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->size(), 2u);
  EXPECT_EQ((*page)[0].account_id, ids[0]);
  EXPECT_EQ((*page)[1].account_id, ids[1]);
  filter.after_account_id = ids[1];
  const auto rest = this->views().accounts(filter);
  ASSERT_TRUE(rest.ok());
  ASSERT_EQ(rest->size(), 1u);
  EXPECT_EQ((*rest)[0].account_id, ids[2]);
}

}  // namespace
}  // namespace chronicle::testing
