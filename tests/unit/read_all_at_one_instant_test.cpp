// persistence::read_all_at_one_instant over the in-memory event store: the reads behind
// GET /accounts/snapshot and `chronicle check`. Given histories longer than one page, when
// read from any cursors, then every later event arrives once, in order; when the store grows
// between two pages, then the answer is complete as of the last read; a failure of the store
// or of the page's consumer ends the read with that failure.

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "persistence/memory_event_store.hpp"
#include "tests/support/direct_append.hpp"

namespace chronicle::persistence {
namespace {

// An account opened and then given `deposits` deposits in one batch.
void open_with_deposits(memory_event_store& store, const std::string& id, int deposits) {
  std::vector<domain::event_body> bodies{domain::account_created{"Owner", "EUR", 0}};
  for (int i = 0; i < deposits; ++i) bodies.push_back(domain::money_deposited{"EUR", 1, ""});
  testing::commit(store, id, bodies);
}

using versions = std::map<std::string, std::vector<std::int64_t>>;

// Reads from `cursors` and answers the versions handed over per account, and the pages.
versions read_all(memory_event_store& store, std::vector<account_cursor> cursors,
                  std::size_t* pages = nullptr) {
  versions out;
  const auto read =
      read_all_at_one_instant(store, std::move(cursors), [&](std::vector<domain::event>& page) {
        if (pages != nullptr) ++*pages;
        for (const auto& e : page) out[e.account_id].push_back(e.version);
        return done{};
      });
  EXPECT_TRUE(read.ok());
  return out;
}

std::vector<std::int64_t> from_to(std::int64_t first, std::int64_t last) {
  std::vector<std::int64_t> out;
  for (auto v = first; v <= last; ++v) out.push_back(v);
  return out;
}

TEST(read_all_at_one_instant, given_histories_longer_than_a_page_then_every_event_once_in_order) {
  memory_event_store store;
  open_with_deposits(store, "a", 1'499);
  open_with_deposits(store, "b", 699);
  std::size_t pages = 0;
  const auto seen = read_all(store, {{"b", 0}, {"a", 0}}, &pages);
  EXPECT_EQ(seen.at("a"), from_to(1, 1'500));
  EXPECT_EQ(seen.at("b"), from_to(1, 700));
  EXPECT_EQ(pages, 3u);  // 2,200 events: two full pages, then the rest
}

TEST(read_all_at_one_instant, given_cursors_then_only_the_events_after_them) {
  memory_event_store store;
  open_with_deposits(store, "a", 1'499);
  open_with_deposits(store, "b", 9);
  const auto seen = read_all(store, {{"a", 1'200}, {"b", 10}, {"nobody", 0}});
  EXPECT_EQ(seen.at("a"), from_to(1'201, 1'500));
  EXPECT_EQ(seen.count("b"), 0u);
  EXPECT_EQ(seen.count("nobody"), 0u);
}

TEST(read_all_at_one_instant, given_appends_between_pages_then_complete_as_of_the_last_read) {
  memory_event_store store;
  open_with_deposits(store, "a", 1'499);
  open_with_deposits(store, "b", 4);
  // Before the second read (once the first page is cut short), both accounts move on.
  int reads = 0;
  store.set_read_hook([&] {
    if (++reads != 2) return;
    testing::commit(store, "a", {domain::money_deposited{"EUR", 1, "late"}});
    testing::commit(store, "b", {domain::money_deposited{"EUR", 1, "late"}});
  });
  const auto seen = read_all(store, {{"a", 0}, {"b", 0}});
  store.set_read_hook({});
  EXPECT_GE(reads, 2);
  EXPECT_EQ(seen.at("a"), from_to(1, 1'501));
  EXPECT_EQ(seen.at("b"), from_to(1, 6));
}

TEST(read_all_at_one_instant, given_a_failure_then_the_read_ends_with_it) {
  memory_event_store store;
  open_with_deposits(store, "a", 1'499);
  int pages = 0;
  const auto refused = read_all_at_one_instant(store, {{"a", 0}}, [&](std::vector<domain::event>&) {
    ++pages;
    return result<done, store_error>{failure(store_error::corrupt)};
  });
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error(), store_error::corrupt);
  EXPECT_EQ(pages, 1);

  store.set_available(false);
  const auto down = read_all_at_one_instant(store, {{"a", 0}},
                                            [](std::vector<domain::event>&) { return done{}; });
  ASSERT_FALSE(down.ok());
  EXPECT_EQ(down.error(), store_error::unavailable);
}

}  // namespace
}  // namespace chronicle::persistence
