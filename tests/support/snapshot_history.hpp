#pragma once

// A fixture for snapshot and time-travel tests over the in-memory event store: account
// "acc" opened with 0 at t0, then 11 deposits of 1, 2, …, 11 dollars, event n at
// t0 + (n-1) s, with snapshots at versions 5 and 10 committed with their events, as an
// account actor with --snapshot-every 5 would.

#include <gtest/gtest.h>

#include <functional>
#include <vector>

#include "domain/event_codec.hpp"
#include "domain/state_codec.hpp"
#include "persistence/memory_event_store.hpp"

namespace chronicle::testing {

class snapshot_history : public ::testing::Test {
 protected:
  static constexpr domain::micros t0 = 1'795'690'117'000'000;  // 2026-11-26T10:48:37Z
  static constexpr domain::micros second = 1'000'000;
  static constexpr std::int64_t every = 5;

  void SetUp() override {
    std::vector<domain::event_body> bodies{domain::account_created{"Ann", "USD", 0}};
    for (int i = 1; i <= 11; ++i) bodies.push_back(domain::money_deposited{"USD", i * 100, ""});
    domain::account_state state;
    state.account_id = "acc";
    for (const auto& body : bodies) {
      const auto at = t0 + state.version * second;
      const auto sealed = domain::seal(state, {body}, domain::new_uuid(), at);
      persistence::append_batch batch{{{"acc", state.version}}, sealed, {}, {}, {}};
      state = domain::evolve(std::move(state), sealed.front());
      if (domain::snapshot_due(state.version, every)) {
        batch.snapshots.push_back(domain::take_snapshot(state));
      }
      ASSERT_TRUE(store_.append(batch).ok());
      folds_.push_back(state);
    }
  }

  // The fold of the first `version` events of "acc".
  const domain::account_state& fold(std::int64_t version) const { return folds_.at(version - 1); }

  static void expect_same(const domain::account_state& a, const domain::account_state& b) {
    EXPECT_EQ(a.account_id, b.account_id);
    EXPECT_EQ(a.version, b.version);
    EXPECT_EQ(a.balance, b.balance);
    EXPECT_EQ(a.last_hash, b.last_hash);
    EXPECT_EQ(a.created_at, b.created_at);
    EXPECT_EQ(a.updated_at, b.updated_at);
    EXPECT_EQ(a.currency, b.currency);
    EXPECT_EQ(a.status, b.status);
  }

  // Replaces the stored snapshot at `version` with one of the state `edit` made of the
  // fold, its hash column following the edited last_hash (as only the owner role could).
  void doctor_snapshot(std::int64_t version,
                       const std::function<void(domain::account_state&)>& edit) {
    auto state = fold(version);
    edit(state);
    auto snap = domain::take_snapshot(fold(version));
    snap.state = domain::encode_state(state);
    snap.hash = state.last_hash;
    store_.overwrite_snapshot(snap);
  }

  persistence::memory_event_store store_;
  std::vector<domain::account_state> folds_;
};

}  // namespace chronicle::testing
