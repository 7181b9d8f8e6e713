// Unit tests for cluster/ownership: rendezvous hashing of accounts over live members — the
// same owner whatever the member list's order, an even spread over three nodes, and minimal
// movement when a node leaves or joins.

#include "cluster/ownership.hpp"

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace chronicle::cluster {
namespace {

constexpr int accounts = 30'000;

std::string account(int i) {
  return "acc-" + std::to_string(i);
}

std::map<std::string, int> counts(const std::vector<std::string>& nodes) {
  std::map<std::string, int> out;
  for (int i = 0; i < accounts; ++i) ++out[owner_of(account(i), nodes)];
  return out;
}

TEST(owner_of, given_no_members_when_asked_then_no_owner) {
  EXPECT_EQ(owner_of("acc-1", {}), "");
}

TEST(owner_of, given_one_member_when_asked_then_it_owns_everything) {
  for (int i = 0; i < 100; ++i) EXPECT_EQ(owner_of(account(i), {"node-1"}), "node-1");
}

TEST(owner_of, given_the_same_members_in_any_order_when_asked_then_the_same_owner) {
  std::vector<std::string> nodes{"node-1", "node-2", "node-3"};
  for (int i = 0; i < 1000; ++i) {
    const auto first = owner_of(account(i), nodes);
    std::vector<std::string> shuffled{"node-3", "node-1", "node-2"};
    EXPECT_EQ(owner_of(account(i), shuffled), first);
  }
}

TEST(owner_of, given_three_members_when_many_accounts_then_each_owns_about_a_third) {
  const auto c = counts({"node-1", "node-2", "node-3"});
  ASSERT_EQ(c.size(), 3U);
  for (const auto& [node, n] : c) {
    SCOPED_TRACE(node);
    // A third is 10'000; a fair hash stays within a few standard deviations (~82).
    EXPECT_GT(n, 9'500);
    EXPECT_LT(n, 10'500);
  }
}

TEST(owner_of, given_a_member_leaves_then_only_its_accounts_move_and_spread_over_the_rest) {
  const std::vector<std::string> three{"node-1", "node-2", "node-3"};
  const std::vector<std::string> two{"node-1", "node-3"};
  int moved_to_1 = 0;
  int moved_to_3 = 0;
  for (int i = 0; i < accounts; ++i) {
    const auto before = owner_of(account(i), three);
    const auto after = owner_of(account(i), two);
    if (before != "node-2") {
      EXPECT_EQ(before, after) << account(i) << " moved though its owner stayed";
    } else {
      (after == "node-1" ? moved_to_1 : moved_to_3) += 1;
    }
  }
  // node-2's ~10'000 accounts are shared about evenly by the survivors.
  EXPECT_GT(moved_to_1, 4'500);
  EXPECT_GT(moved_to_3, 4'500);
}

TEST(owner_of, given_a_member_joins_then_only_accounts_it_wins_move_to_it) {
  const std::vector<std::string> two{"node-1", "node-2"};
  const std::vector<std::string> three{"node-1", "node-2", "node-3"};
  int moved = 0;
  for (int i = 0; i < accounts; ++i) {
    const auto before = owner_of(account(i), two);
    const auto after = owner_of(account(i), three);
    if (before != after) {
      EXPECT_EQ(after, "node-3") << account(i) << " moved between old members";
      ++moved;
    }
  }
  EXPECT_GT(moved, 9'500);
  EXPECT_LT(moved, 10'500);
}

TEST(rendezvous_weight, given_split_points_that_concatenate_alike_then_weights_differ) {
  EXPECT_NE(rendezvous_weight("ab", "c"), rendezvous_weight("a", "bc"));
}

}  // namespace
}  // namespace chronicle::cluster
