// decide_batch, pure: given an account's state, when a batch of commands is decided, then
// these events, replies and snapshots (every N versions, also midway through a batch).

#include "actors/decide_batch.hpp"

#include <gtest/gtest.h>

#include "domain/event_codec.hpp"

namespace chronicle::actors {
namespace {

constexpr domain::micros t0 = 1'795'690'117'000'000;

command_request deposit(const std::string& amount, std::string key = "") {
  return command_request{"acc", std::move(key), "fp-" + amount, domain::deposit{amount, ""}, "ops"};
}

command_request withdraw(const std::string& amount) {
  return command_request{"acc", "", "", domain::withdraw{amount, ""}, "ops"};
}

// The account opened with `initial` (whole dollars), then `deposits` deposits of 1.
domain::account_state account_at(int deposits, const std::string& initial = "0") {
  domain::account_state state;
  state.account_id = "acc";
  const command_request open{"acc", "", "", domain::open_account{"O", "USD", initial}, "ops"};
  state = decide_batch(state, {&open}, {}, 0, t0).next;
  for (int i = 0; i < deposits; ++i) {
    const auto req = deposit("1");
    state = decide_batch(state, {&req}, {}, 0, t0 + i + 1).next;
  }
  return state;
}

decided_batch decide(const domain::account_state& start, const std::vector<command_request>& reqs,
                     std::int64_t every, domain::micros now = t0 + 1'000'000) {
  std::vector<const command_request*> pointers;
  for (const auto& r : reqs) pointers.push_back(&r);
  return decide_batch(start, pointers, {}, every, now);
}

// The state after folding the batch's events up to `version` onto `start`.
domain::account_state fold_to(domain::account_state state, const decided_batch& d,
                              std::int64_t version) {
  for (const auto& e : d.batch.events) {
    if (e.version > version) break;
    state = domain::evolve(std::move(state), e);
  }
  return state;
}

TEST(decide_batch, given_commands_of_several_keys_then_each_event_names_its_issuer) {
  auto by_batch_job = deposit("2");
  by_batch_job.issued_by = "ops-batch";
  const auto d = decide(account_at(0), {deposit("1"), by_batch_job}, 0);
  ASSERT_EQ(d.batch.events.size(), 2u);
  EXPECT_EQ(d.batch.events[0].issued_by, "ops");
  EXPECT_EQ(d.batch.events[1].issued_by, "ops-batch");
  EXPECT_EQ(d.batch.events[1].schema_version, domain::event_schema_version);
}

TEST(decide_batch, given_version_3_when_batch_crosses_5_midway_then_one_snapshot_of_version_5) {
  const auto start = account_at(2);  // open + 2 deposits: version 3, balance 2.00
  ASSERT_EQ(start.version, 3);
  const auto d = decide(start, {deposit("1"), deposit("2"), deposit("3"), deposit("4")}, 5);
  ASSERT_EQ(d.batch.events.size(), 4u);
  ASSERT_EQ(d.batch.snapshots.size(), 1u);
  const auto& snap = d.batch.snapshots[0];
  EXPECT_EQ(snap.account_id, "acc");
  EXPECT_EQ(snap.version, 5);
  // The state at exactly version 5 (after the deposits of 1 and 2), not the batch's end.
  const auto at_5 = fold_to(start, d, 5);
  EXPECT_EQ(at_5.balance, 500);
  EXPECT_EQ(snap.hash, d.batch.events[1].hash);
  EXPECT_EQ(snap.occurred_at, d.batch.events[1].occurred_at);
  EXPECT_EQ(snap.state, domain::encode_state(at_5));
  EXPECT_EQ(d.next.version, 7);
}

TEST(decide_batch, given_batch_reaching_two_multiples_then_a_snapshot_at_each) {
  const auto start = account_at(0);  // version 1
  std::vector<command_request> reqs;
  for (int i = 0; i < 11; ++i) reqs.push_back(deposit("1"));
  const auto d = decide(start, reqs, 5);  // versions 2..12
  ASSERT_EQ(d.batch.snapshots.size(), 2u);
  EXPECT_EQ(d.batch.snapshots[0].version, 5);
  EXPECT_EQ(d.batch.snapshots[1].version, 10);
  EXPECT_EQ(d.batch.snapshots[1].state, domain::encode_state(fold_to(start, d, 10)));
}

TEST(decide_batch, given_rejections_in_the_batch_then_only_appended_versions_count) {
  const auto start = account_at(3);  // version 4, balance 3.00
  // Version 5 is the second accepted command, not the second command.
  const auto d = decide(start, {withdraw("100"), deposit("1"), withdraw("100")}, 5);
  ASSERT_EQ(d.batch.events.size(), 1u);
  ASSERT_EQ(d.batch.snapshots.size(), 1u);
  EXPECT_EQ(d.batch.snapshots[0].version, 5);
  EXPECT_EQ(d.replies[0].status, command_status::rejected);
  EXPECT_EQ(d.replies[1].status, command_status::accepted);
}

TEST(decide_batch, given_snapshots_off_or_no_multiple_reached_then_none) {
  const auto start = account_at(2);  // version 3
  EXPECT_TRUE(decide(start, {deposit("1"), deposit("1")}, 0).batch.snapshots.empty());
  EXPECT_TRUE(decide(start, {deposit("1")}, 5).batch.snapshots.empty());  // version 4
  EXPECT_TRUE(decide(start, {withdraw("100"), withdraw("100")}, 4).batch.snapshots.empty());
}

TEST(decide_batch, given_replayed_key_then_no_event_and_no_snapshot) {
  const auto start = account_at(3);  // version 4
  const auto retry = deposit("1", "k");
  const auto first = decide(start, {retry}, 5);
  ASSERT_EQ(first.batch.snapshots.size(), 1u);
  // The retry arrives after the commit, with the record in the store.
  const auto again = decide_batch(first.next, {&retry}, first.batch.commands, 5, t0 + 2'000'000);
  EXPECT_TRUE(again.batch.events.empty());
  EXPECT_TRUE(again.batch.snapshots.empty());
  EXPECT_TRUE(again.replies[0].replayed);
  EXPECT_EQ(again.replies[0].version, 5);
}

TEST(decide_batch, given_clock_behind_the_last_event_then_events_dated_at_the_last_event) {
  const auto start = account_at(1);
  const auto d = decide(start, {deposit("1")}, 0, start.updated_at - 5'000'000);
  ASSERT_EQ(d.batch.events.size(), 1u);
  EXPECT_EQ(d.batch.events[0].occurred_at, start.updated_at);
  const auto later = decide(start, {deposit("1")}, 0, start.updated_at + 7);
  EXPECT_EQ(later.batch.events[0].occurred_at, start.updated_at + 7);
}

}  // namespace
}  // namespace chronicle::actors
