// Several relays on one outbox (the event store of the test stack): a claim holds its rows
// against every other relay's claim until it ends, an account's events go to one claim from
// its oldest pending one, and the rows of a relay that dies or hangs come free within the
// documented bound (persistence/outbox.hpp, docs/EVENT_SOURCING.md).

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <thread>

#include "persistence/pg_event_store.hpp"
#include "persistence/pg_outbox_store.hpp"
#include "tests/support/direct_append.hpp"
#include "tests/support/node_process.hpp"

namespace chronicle::testing {
namespace {

using namespace std::chrono_literals;

constexpr std::size_t claim_max = persistence::outbox_batch_max;

std::set<std::string> ids_of(const std::vector<domain::event>& events) {
  std::set<std::string> out;
  for (const auto& e : events) out.insert(e.event_id);
  return out;
}

std::size_t common(const std::set<std::string>& a, const std::set<std::string>& b) {
  return static_cast<std::size_t>(std::count_if(a.begin(), a.end(),
                                                [&](const auto& id) { return b.count(id) != 0; }));
}

// Two accounts with three events each, committed without a node: only this test's stores
// see their rows. Answers their event ids.
std::set<std::string> committed_accounts(const std::string& prefix) {
  persistence::pg_event_store store{events_db()};
  for (const char* suffix : {"-a", "-b"}) {
    const auto id = prefix + suffix;
    commit(store, id, {domain::account_created{"Claire", "EUR", 100}});
    commit(store, id, {domain::money_deposited{"EUR", 5, "one"}});
    commit(store, id, {domain::money_deposited{"EUR", 7, "two"}});
  }
  std::set<std::string> out;
  for (const char* suffix : {"-a", "-b"}) {
    auto events = store.read(prefix + suffix, 1, 10);
    EXPECT_TRUE(events.ok());
    if (events.ok()) out.merge(ids_of(*events));
  }
  return out;
}

TEST(outbox_claim, given_two_relays_then_their_claims_never_share_a_row_and_a_dead_ones_rows_come_free) {
  const auto mine = committed_accounts("claim-" + unique_suffix());
  ASSERT_EQ(mine.size(), 6u);
  persistence::pg_outbox_store second{events_db()};
  std::set<std::string> first_claim;
  {
    persistence::pg_outbox_store first{events_db()};
    const auto claimed = first.claim(claim_max);
    ASSERT_TRUE(claimed.ok());
    first_claim = ids_of(*claimed);
    ASSERT_EQ(common(first_claim, mine), mine.size()) << "the first claim holds our six rows";

    // While the first relay holds them, the second claims none of them, and does not wait.
    const auto meanwhile = second.claim(claim_max);
    ASSERT_TRUE(meanwhile.ok());
    EXPECT_EQ(common(ids_of(*meanwhile), first_claim), 0u);
    second.release();
    // The first relay "dies" here: its session ends without removing anything.
  }
  const auto after = second.claim(claim_max);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(common(ids_of(*after), mine), mine.size()) << "the dead relay's rows are free again";
  ASSERT_TRUE(second.remove(std::vector<std::string>(mine.begin(), mine.end())).ok());
  const auto left = second.claim(claim_max);
  ASSERT_TRUE(left.ok());
  EXPECT_EQ(common(ids_of(*left), mine), 0u);
  second.release();
}

TEST(outbox_claim, given_a_relay_that_hangs_past_its_hold_bound_then_its_rows_come_free) {
  const auto mine = committed_accounts("hang-" + unique_suffix());
  ASSERT_EQ(mine.size(), 6u);
  constexpr int hold_ms = 300;
  persistence::pg_outbox_store hung{events_db(), hold_ms};
  persistence::pg_outbox_store other{events_db()};
  const auto claimed = hung.claim(claim_max);
  ASSERT_TRUE(claimed.ok());
  ASSERT_EQ(common(ids_of(*claimed), mine), mine.size());

  std::this_thread::sleep_for(std::chrono::milliseconds{hold_ms} + 700ms);
  const auto taken = other.claim(claim_max);
  ASSERT_TRUE(taken.ok());
  EXPECT_EQ(common(ids_of(*taken), mine), mine.size());
  // The hung relay's claim was ended by the database: its late delete fails, deleting nothing.
  EXPECT_FALSE(hung.remove(std::vector<std::string>(mine.begin(), mine.end())).ok());
  ASSERT_TRUE(other.remove(std::vector<std::string>(mine.begin(), mine.end())).ok());
}

TEST(outbox_claim, given_an_accounts_oldest_row_claimed_elsewhere_then_its_later_rows_wait) {
  const auto prefix = "order-" + unique_suffix();
  const auto mine = committed_accounts(prefix);
  ASSERT_EQ(mine.size(), 6u);
  persistence::pg_outbox_store first{events_db()};
  persistence::pg_outbox_store second{events_db()};
  // The first claim ends inside the first account's history: one batch of all pending rows up
  // to and including that account's first event.
  std::set<std::string> first_claim;
  for (std::size_t limit = 1; limit <= claim_max; ++limit) {
    const auto claimed = first.claim(limit);
    ASSERT_TRUE(claimed.ok());
    if (!claimed->empty() && claimed->back().account_id == prefix + "-a") {
      ASSERT_EQ(claimed->back().version, 1);
      first_claim = ids_of(*claimed);
      break;
    }
  }
  ASSERT_FALSE(first_claim.empty());
  const auto rest = second.claim(claim_max);
  ASSERT_TRUE(rest.ok());
  for (const auto& e : *rest) {
    EXPECT_NE(e.account_id, prefix + "-a") << "version " << e.version << " overtook version 1";
  }
  EXPECT_EQ(std::count_if(rest->begin(), rest->end(),
                          [&](const auto& e) { return e.account_id == prefix + "-b"; }),
            3);
  // Each removes what it holds (deleting a row the other holds would wait for its claim).
  std::vector<std::string> seconds;
  for (const auto& e : *rest) {
    if (mine.count(e.event_id) != 0) seconds.push_back(e.event_id);
  }
  ASSERT_TRUE(second.remove(seconds).ok());
  ASSERT_TRUE(first.remove(std::vector<std::string>(mine.begin(), mine.end())).ok());
}

}  // namespace
}  // namespace chronicle::testing
