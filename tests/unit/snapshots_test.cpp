// Snapshots over the in-memory event store: loading an account folds from the newest
// snapshot that agrees with the hash chain and passes over one that does not; account
// actors and transfers commit snapshots with their events.

#include <gtest/gtest.h>

#include <caf/all.hpp>

#include "actors/account_registry.hpp"
#include "tests/support/shared_event_store.hpp"
#include "tests/support/snapshot_history.hpp"

namespace chronicle::persistence {
namespace {

using domain::account_state;

class snapshots : public testing::snapshot_history {};

TEST_F(snapshots, given_snapshots_at_5_and_10_when_loaded_then_equal_to_the_full_fold) {
  const auto stored = store_.read_snapshots("acc", 0, 100);
  ASSERT_TRUE(stored.ok());
  ASSERT_EQ(stored->size(), 2u);
  EXPECT_EQ((*stored)[0].version, 5);
  EXPECT_EQ((*stored)[1].version, 10);
  const auto latest = load_state(store_, "acc");
  ASSERT_TRUE(latest.ok());
  expect_same(*latest, fold(12));
  EXPECT_EQ(latest->balance, 6600);
  for (std::int64_t v : {1, 4, 5, 6, 9, 10, 11, 12}) {
    SCOPED_TRACE(v);
    const auto at = load_state_at(store_, "acc", v);
    ASSERT_TRUE(at.ok());
    expect_same(*at, fold(v));
  }
  EXPECT_EQ(load_state_at(store_, "acc", 0)->version, 0);
  EXPECT_EQ(load_state(store_, "nobody")->status, domain::account_status::absent);
}

TEST_F(snapshots, given_consistent_but_edited_snapshot_when_loaded_then_the_fold_started_there) {
  // Only the owner role can write this. Its hash and instant still agree with the chain, so
  // loading trusts it: that is what bounds loading. verify is what catches it.
  doctor_snapshot(10, [](account_state& s) { s.balance += 1; });
  EXPECT_EQ(load_state(store_, "acc")->balance, 6601);
  EXPECT_EQ(load_state_at(store_, "acc", 9)->balance, 3600);  // from the snapshot at 5
}

TEST_F(snapshots, given_snapshot_whose_hash_is_not_its_events_when_loaded_then_passed_over) {
  doctor_snapshot(10, [&](account_state& s) { s.last_hash = fold(9).last_hash; });
  const auto latest = load_state(store_, "acc");
  ASSERT_TRUE(latest.ok());
  expect_same(*latest, fold(12));  // from the snapshot at 5, all links checked
}

TEST_F(snapshots, given_undecodable_snapshots_when_loaded_then_fold_from_the_first_event) {
  for (std::int64_t v : {5, 10}) {
    auto snap = domain::take_snapshot(fold(v));
    snap.state = R"({"balance":"oops"})";
    store_.overwrite_snapshot(snap);
  }
  const auto latest = load_state(store_, "acc");
  ASSERT_TRUE(latest.ok());
  expect_same(*latest, fold(12));
}

TEST_F(snapshots, given_store_down_when_loaded_then_unavailable) {
  store_.set_available(false);
  EXPECT_EQ(load_state(store_, "acc").error(), store_error::unavailable);
}

// ---------------------------------------------------------------------------------------------
// Account actors and transfers commit snapshots with their events.

using namespace std::chrono_literals;

class snapshot_actors : public ::testing::Test {
 protected:
  static constexpr std::int64_t every = 5;

  void SetUp() override {
    for (int i = 0; i < 2; ++i) {
      workers_.push_back(system_.spawn<caf::detached>(
          actors::db_worker_impl, actors::store_factory{[this] {
            return std::make_unique<testing::shared_event_store>(store_);
          }}));
    }
    actors::registry_limits limits;
    limits.account.snapshot_every = every;
    limits.transfer.snapshot_every = every;
    registry_ = system_.spawn(actors::account_registry_impl, workers_, limits);
  }

  void TearDown() override {
    caf::anon_send_exit(registry_, caf::exit_reason::user_shutdown);
    for (auto& w : workers_) caf::anon_send_exit(w, caf::exit_reason::user_shutdown);
  }

  template <class Reply, class Message>
  Reply ask(Message msg) {
    caf::scoped_actor self{system_};
    Reply out;
    self->request(registry_, 5s, std::move(msg))
        .receive([&](Reply& r) { out = std::move(r); },
                 [&](caf::error& e) { ADD_FAILURE() << system_.render(e); });
    return out;
  }

  void command(const std::string& id, domain::command cmd) {
    const auto r = ask<actors::command_reply>(actors::command_request{id, "", "", std::move(cmd), "ops"});
    ASSERT_EQ(r.status, actors::command_status::accepted) << r.message;
  }

  std::vector<domain::state_snapshot> snapshots_of(const std::string& id) {
    const auto stored = store_.read_snapshots(id, 0, 100);
    EXPECT_TRUE(stored.ok());
    return stored.ok() ? *stored : std::vector<domain::state_snapshot>{};
  }

  memory_event_store store_;
  caf::actor_system_config config_;
  caf::actor_system system_{config_};
  std::vector<actors::db_worker> workers_;
  actors::account_registry registry_;
};

TEST_F(snapshot_actors, given_12_commands_then_snapshots_at_5_and_10_equal_to_the_fold) {
  command("hot", domain::open_account{"H", "EUR", "0"});
  for (int i = 0; i < 11; ++i) command("hot", domain::deposit{"1", ""});
  const auto stored = snapshots_of("hot");
  ASSERT_EQ(stored.size(), 2u);
  for (const auto& snap : stored) {
    SCOPED_TRACE(snap.version);
    const auto folded = load_state_at(store_, "hot", snap.version);
    ASSERT_TRUE(folded.ok());
    EXPECT_EQ(snap.state, domain::encode_state(*folded));
    EXPECT_EQ(snap.hash, folded->last_hash);
  }
  EXPECT_EQ(stored[0].version, 5);
  EXPECT_EQ(stored[1].version, 10);
}

TEST_F(snapshot_actors, given_transfer_legs_reaching_a_multiple_then_snapshot_of_that_account) {
  command("a", domain::open_account{"A", "USD", "100"});
  for (int i = 0; i < 3; ++i) command("a", domain::deposit{"1", ""});  // a at version 4
  command("b", domain::open_account{"B", "USD", "0"});                 // b at version 1
  const auto r = ask<actors::command_reply>(
      actors::transfer_request{"", "fp", domain::transfer{"t-1", "a", "b", "10", ""}, "ops"});
  ASSERT_EQ(r.status, actors::command_status::accepted) << r.message;
  const auto stored = snapshots_of("a");
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].version, 5);
  EXPECT_TRUE(snapshots_of("b").empty());
  const auto state = domain::decode_state(stored[0].state);
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->balance, 9300);
}

}  // namespace
}  // namespace chronicle::persistence
