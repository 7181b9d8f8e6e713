// The projector over in-memory twins: duplicates, gaps, disorder and outages
// still leave read models equal to the fold of the event store.

#include "projections/projector.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "domain/event_codec.hpp"
#include "persistence/memory_event_store.hpp"
#include "persistence/memory_read_models.hpp"

namespace chronicle::projections {
namespace {

using domain::event;

class projector : public ::testing::Test {
 protected:
  // Appends `bodies` to an account through the store, as the actor would.
  std::vector<event> commit(const std::string& id, const std::vector<domain::event_body>& bodies) {
    auto state = persistence::load_state(store_, id);
    EXPECT_TRUE(state.ok());
    auto sealed = domain::seal(*state, bodies, domain::new_uuid(), ++clock_);
    persistence::append_batch batch{{{id, state->version}}, sealed, {}, {}, {}};
    EXPECT_TRUE(store_.append(batch).ok());
    return sealed;
  }

  std::vector<messaging::incoming_message> messages(const std::vector<event>& events) {
    std::vector<messaging::incoming_message> out;
    for (const auto& e : events) {
      out.push_back({"ledger.events." + e.account_id, domain::event_to_json(e).dump(), ++sequence_,
                     sequence_, e.event_id});
    }
    return out;
  }

  batch_outcome project(const std::vector<messaging::incoming_message>& batch) {
    auto outcome = project_batch(batch, views_, store_);
    EXPECT_TRUE(outcome.ok());
    return outcome.ok() ? *outcome : batch_outcome{};
  }

  // The read model row equals the fold of the event store.
  void expect_converged(const std::string& id) {
    const auto folded = persistence::load_state(store_, id);
    const auto row = views_.account(id);
    ASSERT_TRUE(folded.ok());
    ASSERT_TRUE(row.ok());
    ASSERT_TRUE(row->has_value()) << id;
    EXPECT_EQ((*row)->balance, folded->balance);
    EXPECT_EQ((*row)->version, folded->version);
    EXPECT_EQ((*row)->last_hash, folded->last_hash);
    EXPECT_EQ((*row)->owner_name, folded->owner_name);
    const auto checkpoints = views_.checkpoints({id});
    ASSERT_TRUE(checkpoints.ok());
    EXPECT_EQ(checkpoints->at(id), folded->version);
  }

  persistence::memory_event_store store_;
  persistence::memory_read_models views_;
  domain::micros clock_ = 1'700'000'000'000'000;
  std::uint64_t sequence_ = 0;
};

TEST_F(projector, given_events_in_order_when_projected_then_views_equal_fold_and_all_acked) {
  auto events = commit("a", {domain::account_created{"Ann", "USD", 1000}});
  const auto more = commit("a", {domain::money_deposited{"USD", 250, "pay"},
                                 domain::money_withdrawn{"USD", 100, "rent"}});
  events.insert(events.end(), more.begin(), more.end());
  const auto outcome = project(messages(events));
  EXPECT_EQ(outcome.applied, 3u);
  EXPECT_EQ(outcome.ack_tokens.size(), 3u);
  expect_converged("a");
  const auto txs = views_.transactions("a", 0, 10);
  ASSERT_TRUE(txs.ok());
  ASSERT_EQ(txs->size(), 3u);
  EXPECT_EQ((*txs)[0].type, "withdrawal");
  EXPECT_EQ((*txs)[0].balance_after, 1150);
  EXPECT_EQ((*txs)[1].balance_after, 1250);
  EXPECT_EQ((*txs)[2].type, "opening");
}

TEST_F(projector, given_batch_redelivered_when_projected_again_then_nothing_applied_twice) {
  auto events = commit(
      "b", {domain::account_created{"Bo", "EUR", 0}, domain::money_deposited{"EUR", 500, ""}});
  const auto batch = messages(events);
  project(batch);
  const auto again = project(batch);
  EXPECT_EQ(again.applied, 0u);
  EXPECT_EQ(again.duplicates, 2u);
  EXPECT_EQ(again.ack_tokens.size(), 2u);
  expect_converged("b");
  const auto txs = views_.transactions("b", 0, 10);
  ASSERT_TRUE(txs.ok());
  EXPECT_EQ(txs->size(), 2u);
}

TEST_F(projector, given_messages_lost_by_the_bus_when_later_one_arrives_then_gap_filled) {
  commit("c", {domain::account_created{"Cy", "USD", 100}});
  commit("c", {domain::money_deposited{"USD", 1, ""}});
  commit("c", {domain::money_deposited{"USD", 2, ""}});
  const auto last = commit("c", {domain::money_withdrawn{"USD", 3, ""}});
  // Only version 4 reaches the projector; 1 to 3 were never published.
  const auto outcome = project(messages(last));
  EXPECT_EQ(outcome.gap_filled, 4u);
  EXPECT_EQ(outcome.applied, 4u);
  EXPECT_EQ(outcome.ack_tokens.size(), 1u);
  expect_converged("c");
}

TEST_F(projector, given_batch_out_of_order_when_projected_then_applied_in_version_order) {
  auto events =
      commit("d", {domain::account_created{"Di", "GBP", 10}, domain::money_deposited{"GBP", 5, ""},
                   domain::money_withdrawn{"GBP", 15, ""}});
  std::reverse(events.begin(), events.end());
  const auto outcome = project(messages(events));
  EXPECT_EQ(outcome.applied, 3u);
  EXPECT_EQ(outcome.gap_filled, 0u);
  expect_converged("d");
}

TEST_F(projector, given_undecodable_message_then_acked_and_counted_and_others_applied) {
  auto batch = messages(commit("e", {domain::account_created{"Ed", "USD", 1}}));
  batch.push_back({"ledger.events.e", "{not json", 99, 99, "not-an-event"});
  const auto outcome = project(batch);
  EXPECT_EQ(outcome.malformed, 1u);
  EXPECT_EQ(outcome.ack_tokens.size(), 2u);
  expect_converged("e");
}

TEST_F(projector, given_read_models_down_then_error_and_nothing_acked_until_they_return) {
  const auto batch = messages(commit("f", {domain::account_created{"Fi", "USD", 1}}));
  views_.set_available(false);
  EXPECT_FALSE(project_batch(batch, views_, store_).ok());
  views_.set_available(true);
  EXPECT_EQ(project(batch).ack_tokens.size(), 1u);
  expect_converged("f");
}

TEST_F(projector, given_several_accounts_in_one_batch_then_one_read_model_transaction) {
  std::vector<event> all;
  for (const char* id : {"g1", "g2", "g3"}) {
    const auto e = commit(id, {domain::account_created{"G", "JPY", 7}});
    all.insert(all.end(), e.begin(), e.end());
  }
  project(messages(all));
  EXPECT_EQ(views_.apply_calls(), 1u);
  for (const char* id : {"g1", "g2", "g3"}) expect_converged(id);
  const auto timeline = views_.timeline({true, std::nullopt, 10});
  ASSERT_TRUE(timeline.ok());
  EXPECT_EQ(timeline->size(), 3u);
}

TEST_F(projector, given_transfer_legs_then_transfers_row_and_transfer_movements) {
  auto events = commit("from", {domain::account_created{"F", "USD", 500}});
  const auto to = commit("to", {domain::account_created{"T", "USD", 0}});
  events.insert(events.end(), to.begin(), to.end());
  const auto debit = commit("from", {domain::transfer_debited{"tr-9", "to", "USD", 200, "x"}});
  const auto credit = commit("to", {domain::transfer_credited{"tr-9", "from", "USD", 200, "x"}});
  events.insert(events.end(), debit.begin(), debit.end());
  events.insert(events.end(), credit.begin(), credit.end());
  project(messages(events));
  expect_converged("from");
  expect_converged("to");
  const auto rows = views_.rows_of("from");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->transfers_out.size(), 1u);
  EXPECT_EQ(rows->transfers_out[0].to_account_id, "to");
  EXPECT_EQ(rows->transfers_out[0].amount, 200);
  ASSERT_EQ(rows->transactions.size(), 2u);
  EXPECT_EQ(rows->transactions[1].type, "transfer_out");
  EXPECT_EQ(rows->transactions[1].counterparty, "to");
  EXPECT_EQ(rows->transactions[1].balance_after, 300);
  const auto in = views_.transactions("to", 0, 1);
  ASSERT_TRUE(in.ok());
  EXPECT_EQ(in->front().type, "transfer_in");
  EXPECT_EQ(in->front().transfer_id, "tr-9");
}

// The reconcile pass (issue 9, point 6): no message ever comes for these events.

constexpr domain::micros settled = 10'000'000;  // well past reconcile_limits::settle_us

TEST_F(projector, given_lost_last_messages_when_reconciled_then_views_converge) {
  project(messages(commit("a", {domain::account_created{"Ann", "USD", 1000}})));
  commit("a", {domain::money_deposited{"USD", 5, "lost"}});  // its message never comes
  commit("b", {domain::account_created{"Bo", "USD", 7}});    // no message ever came
  commit("b", {domain::money_withdrawn{"USD", 2, "lost"}});
  const auto outcome = reconcile_page(views_, store_, "", clock_ + settled, {});
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->accounts, 2u);
  EXPECT_EQ(outcome->lagging, 2u);
  EXPECT_EQ(outcome->applied, 3u);
  EXPECT_EQ(outcome->next_after, "");
  expect_converged("a");
  expect_converged("b");
  const auto again = reconcile_page(views_, store_, "", clock_ + settled, {});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->lagging, 0u);
  EXPECT_EQ(again->applied, 0u);
}

TEST_F(projector, given_events_younger_than_settle_when_reconciled_then_left_to_the_bus) {
  commit("fresh", {domain::account_created{"F", "USD", 1}});
  const auto outcome = reconcile_page(views_, store_, "", clock_ + 1, {});
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->accounts, 1u);
  EXPECT_EQ(outcome->lagging, 0u);
  EXPECT_EQ(outcome->applied, 0u);
  EXPECT_FALSE(views_.account("fresh")->has_value());
}

TEST_F(projector, given_more_accounts_than_a_page_when_reconciled_then_pages_cover_them_all) {
  for (const char* id : {"p1", "p2", "p3", "p4", "p5"}) {
    commit(id, {domain::account_created{"P", "USD", 3}});
  }
  reconcile_limits limits;
  limits.accounts_max = 2;
  std::vector<std::string> starts;
  std::string after;
  do {
    starts.push_back(after);
    const auto outcome = reconcile_page(views_, store_, after, clock_ + settled, limits);
    ASSERT_TRUE(outcome.ok());
    after = outcome->next_after;
  } while (!after.empty() && starts.size() < 10);
  EXPECT_EQ(starts, (std::vector<std::string>{"", "p2", "p4"}));
  for (const char* id : {"p1", "p2", "p3", "p4", "p5"}) expect_converged(id);
}

TEST_F(projector, given_a_long_lag_when_reconciled_then_each_page_applies_at_most_its_budget) {
  commit("long", {domain::account_created{"L", "USD", 0}});
  for (int i = 0; i < 4; ++i) commit("long", {domain::money_deposited{"USD", 1, "d"}});
  commit("next", {domain::account_created{"N", "USD", 0}});
  reconcile_limits limits;
  limits.events_max = 3;
  const auto first = reconcile_page(views_, store_, "", clock_ + settled, limits);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->applied, 3u);
  EXPECT_EQ(first->next_after, "");  // "long" again first, it is not done
  const auto second = reconcile_page(views_, store_, first->next_after, clock_ + settled, limits);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->applied, 3u);  // the rest of "long" (2) and "next" (1)
  expect_converged("long");
  expect_converged("next");
}

}  // namespace
}  // namespace chronicle::projections
