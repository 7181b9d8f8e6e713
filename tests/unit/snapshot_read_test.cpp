// Strong reads of several accounts at one instant (GET /accounts/snapshot),
// through the registry and a database worker over the in-memory event store:
// the answer equals each account's fold, unknown ids are absent, the worker's
// cache of folded states is caught up by later reads, and a tail longer than
// one page is read to the end.

#include <gtest/gtest.h>

#include <caf/all.hpp>

#include "actors/account_registry.hpp"
#include "persistence/memory_event_store.hpp"
#include "tests/support/shared_event_store.hpp"

namespace chronicle::actors {
namespace {

using namespace std::chrono_literals;

constexpr auto reply_timeout = 10s;

class snapshot_reads : public ::testing::Test {
 protected:
  void SetUp() override {
    std::vector<db_worker> workers;
    for (int i = 0; i < 2; ++i) {
      workers.push_back(system_.spawn<caf::detached>(
          db_worker_impl,
          store_factory{[this] { return std::make_unique<testing::shared_event_store>(store_); }}));
    }
    workers_ = workers;
    registry_ = system_.spawn(account_registry_impl, workers, registry_limits{});
  }

  void TearDown() override {
    caf::anon_send_exit(registry_, caf::exit_reason::user_shutdown);
    for (auto& w : workers_) caf::anon_send_exit(w, caf::exit_reason::user_shutdown);
  }

  template <class Reply, class Message>
  Reply ask(Message msg) {
    caf::scoped_actor self{system_};
    Reply out;
    self->request(registry_, reply_timeout, std::move(msg))
        .receive([&](Reply& r) { out = std::move(r); },
                 [&](caf::error& e) { ADD_FAILURE() << system_.render(e); });
    return out;
  }

  void command(const std::string& id, domain::command cmd) {
    const auto r = ask<command_reply>(command_request{id, "", "", std::move(cmd), "ops"});
    ASSERT_EQ(r.status, command_status::accepted) << r.message;
  }

  domain::account_state strong(const std::string& id) {
    return ask<account_view>(account_query{id}).state;
  }

  snapshot_view snapshot(std::vector<std::string> ids) {
    return ask<snapshot_view>(snapshot_query{std::move(ids)});
  }

  caf::actor_system_config config_;
  caf::actor_system system_{config_};
  persistence::memory_event_store store_;
  std::vector<db_worker> workers_;
  account_registry registry_;
};

void expect_same(const domain::account_state& a, const domain::account_state& b) {
  EXPECT_EQ(a.account_id, b.account_id);
  EXPECT_EQ(a.balance, b.balance);
  EXPECT_EQ(a.version, b.version);
  EXPECT_EQ(a.currency, b.currency);
  EXPECT_EQ(a.last_hash, b.last_hash);
}

TEST_F(snapshot_reads,
       given_accounts_when_read_at_one_instant_then_their_folds_in_the_order_asked) {
  command("alice", domain::open_account{"Alice", "USD", "100"});
  command("bob", domain::open_account{"Bob", "EUR", "5"});
  command("alice", domain::withdraw{"30", "rent"});
  const auto view = snapshot({"bob", "nobody", "alice", "bob"});
  ASSERT_EQ(view.status, query_status::ok);
  ASSERT_EQ(view.accounts.size(), 3u);
  expect_same(view.accounts[0], strong("bob"));
  EXPECT_EQ(view.accounts[1].account_id, "nobody");
  EXPECT_EQ(view.accounts[1].status, domain::account_status::absent);
  expect_same(view.accounts[2], strong("alice"));
  EXPECT_EQ(view.accounts[2].balance, 7'000);
  EXPECT_EQ(view.accounts[2].version, 2);
}

TEST_F(snapshot_reads, given_a_read_when_more_is_appended_then_the_next_read_sees_all_of_it) {
  command("carol", domain::open_account{"Carol", "USD", "0"});
  for (int i = 0; i < 4; ++i) command("carol", domain::deposit{"1", ""});
  ASSERT_EQ(snapshot({"carol"}).accounts.at(0).version, 5);
  for (int i = 0; i < 3; ++i) command("carol", domain::deposit{"2", ""});
  // Both workers serve snapshots in turn: each one's cache must catch up.
  for (int i = 0; i < 2; ++i) {
    const auto view = snapshot({"carol"});
    ASSERT_EQ(view.status, query_status::ok);
    expect_same(view.accounts.at(0), strong("carol"));
    EXPECT_EQ(view.accounts.at(0).balance, 1'000);
  }
}

TEST_F(snapshot_reads, given_more_events_than_one_page_when_read_then_read_to_the_end) {
  command("dave", domain::open_account{"Dave", "USD", "0"});
  command("erin", domain::open_account{"Erin", "USD", "0"});
  const auto deposits = static_cast<int>(persistence::read_events_max) + 200;
  for (int i = 0; i < deposits; ++i)
    command(i % 2 == 0 ? "dave" : "erin", domain::deposit{"1", ""});
  const auto view = snapshot({"erin", "dave"});
  ASSERT_EQ(view.status, query_status::ok);
  expect_same(view.accounts.at(0), strong("erin"));
  expect_same(view.accounts.at(1), strong("dave"));
  EXPECT_EQ(view.accounts.at(0).version + view.accounts.at(1).version, deposits + 2);
}

TEST_F(snapshot_reads, given_the_store_is_down_when_read_then_unavailable) {
  command("frank", domain::open_account{"Frank", "USD", "1"});
  store_.set_available(false);
  EXPECT_EQ(snapshot({"frank"}).status, query_status::unavailable);
  store_.set_available(true);
  EXPECT_EQ(snapshot({"frank"}).status, query_status::ok);
}

TEST(read_at_one_instant, given_too_many_accounts_then_refused) {
  persistence::memory_event_store store;
  persistence::state_cache cache;
  std::vector<std::string> ids;
  for (std::size_t i = 0; i <= persistence::snapshot_accounts_max; ++i) {
    ids.push_back("a" + std::to_string(i));
  }
  const auto r = persistence::load_states_at_one_instant(store, ids, cache);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), persistence::store_error::failed);
  ids.pop_back();
  const auto fine = persistence::load_states_at_one_instant(store, ids, cache);
  ASSERT_TRUE(fine.ok());
  EXPECT_EQ(fine->size(), persistence::snapshot_accounts_max);
}

}  // namespace
}  // namespace chronicle::actors
