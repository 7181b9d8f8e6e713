// verify over the in-memory event store: every snapshot must equal the fold of the events
// up to its version and carry that event's hash; each difference is one problem naming the
// account and the snapshot's version.

#include <gtest/gtest.h>

#include "persistence/memory_read_models.hpp"
#include "projections/verify.hpp"
#include "tests/support/snapshot_history.hpp"

namespace chronicle::projections {
namespace {

using domain::account_state;

class verify_snapshots : public testing::snapshot_history {
 protected:
  // "version N: what" for each problem verify finds in `id`.
  std::vector<std::string> problems(const std::string& id = "acc") {
    persistence::memory_read_models views;
    const auto report = verify_account(store_, views, id);
    EXPECT_TRUE(report.ok());
    std::vector<std::string> out;
    if (!report.ok()) return out;
    for (const auto& p : report->problems) {
      out.push_back("version " + std::to_string(p.version) + ": " + p.what);
    }
    return out;
  }
};

TEST_F(verify_snapshots, given_snapshots_committed_with_their_events_then_no_problem) {
  EXPECT_TRUE(problems().empty());
  persistence::memory_read_models views;
  const auto all = verify_all(store_, views, nullptr);
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->problems.empty());
}

TEST_F(verify_snapshots, given_edited_balance_then_one_problem_at_that_version) {
  doctor_snapshot(10, [](account_state& s) { s.balance += 1; });
  EXPECT_EQ(problems(),
            std::vector<std::string>{"version 10: snapshot: balance: expected 4500, stored 4501"});
  persistence::memory_read_models views;
  const auto all = verify_all(store_, views, nullptr);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->problems.size(), 1u);
  EXPECT_EQ(all->problems[0].account_id, "acc");
  EXPECT_EQ(all->problems[0].version, 10);
}

TEST_F(verify_snapshots, given_hash_of_another_event_then_hash_and_last_hash_reported) {
  doctor_snapshot(5, [&](account_state& s) { s.last_hash = fold(4).last_hash; });
  EXPECT_EQ(problems(),
            (std::vector<std::string>{"version 5: snapshot: hash: expected " + fold(5).last_hash +
                                          ", stored " + fold(4).last_hash,
                                      "version 5: snapshot: last_hash: expected " +
                                          fold(5).last_hash + ", stored " + fold(4).last_hash}));
}

TEST_F(verify_snapshots, given_undecodable_state_then_reported_with_the_reason) {
  auto snap = domain::take_snapshot(fold(5));
  snap.state = R"({"balance":"oops"})";
  store_.overwrite_snapshot(snap);
  const auto found = problems();
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].rfind("version 5: snapshot: undecodable state: ", 0), 0u) << found[0];
}

TEST_F(verify_snapshots, given_snapshot_without_its_event_then_reported) {
  auto beyond = domain::take_snapshot(fold(12));
  beyond.version = 15;
  store_.overwrite_snapshot(beyond);
  auto orphan = domain::take_snapshot(fold(5));
  orphan.account_id = "ghost";
  store_.overwrite_snapshot(orphan);
  EXPECT_EQ(problems(), std::vector<std::string>{"version 15: snapshot: no event at this version"});
  EXPECT_EQ(problems("ghost"),
            std::vector<std::string>{"version 5: snapshot: no event at this version"});
}

}  // namespace
}  // namespace chronicle::projections
