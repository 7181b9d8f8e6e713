// The role lock's in-memory twin (persistence/role_lock.hpp) keeps the promises the
// projection relies on: one holder at a time, a standby takes the role once the holder lets
// go or its "session" dies, and a holder that lost it learns so on its next check.

#include <gtest/gtest.h>

#include "persistence/role_lock.hpp"

namespace chronicle::persistence {
namespace {

bool holds(role_lock& lock) {
  const auto held = lock.hold();
  EXPECT_TRUE(held.ok());
  return held.ok() && *held;
}

TEST(memory_role_lock, given_a_holder_then_a_second_lock_stands_by_until_it_releases) {
  memory_role_table table;
  auto first = table.make_lock();
  auto second = table.make_lock();
  EXPECT_TRUE(holds(*first));
  EXPECT_FALSE(holds(*second));
  EXPECT_TRUE(holds(*first));
  first->release();
  EXPECT_TRUE(holds(*second));
  EXPECT_FALSE(holds(*first));
}

TEST(memory_role_lock, given_the_holders_session_dies_then_a_standby_takes_over) {
  memory_role_table table;
  auto first = table.make_lock();
  auto second = table.make_lock();
  ASSERT_TRUE(holds(*first));
  table.drop_holder();
  EXPECT_TRUE(holds(*second));
  EXPECT_FALSE(holds(*first)) << "the old holder learns it lost the role";
  EXPECT_EQ(table.holder(), 2u);
}

TEST(memory_role_lock, given_a_holder_destroyed_then_the_role_is_free) {
  memory_role_table table;
  auto second = table.make_lock();
  {
    auto first = table.make_lock();
    ASSERT_TRUE(holds(*first));
    EXPECT_FALSE(holds(*second));
  }
  EXPECT_EQ(table.holder(), 0u);
  EXPECT_TRUE(holds(*second));
}

}  // namespace
}  // namespace chronicle::persistence
