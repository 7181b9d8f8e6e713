// Time travel over the in-memory event store: the state at a past version or instant and
// the history of states equal the fold of the events up to each point; and the registry
// hands time-travel queries to a database worker.

#include "persistence/time_travel.hpp"

#include <gtest/gtest.h>

#include <caf/all.hpp>

#include "actors/account_registry.hpp"
#include "tests/support/shared_event_store.hpp"
#include "tests/support/snapshot_history.hpp"

namespace chronicle::persistence {
namespace {

class time_travel : public testing::snapshot_history {};

TEST_F(time_travel, given_versions_when_asked_then_the_fold_up_to_each_or_absent) {
  for (std::int64_t v : {1, 5, 7, 12}) {
    SCOPED_TRACE(v);
    const auto past = state_at_version(store_, "acc", v);
    ASSERT_TRUE(past.ok());
    EXPECT_EQ(past->latest_version, 12);
    expect_same(past->state, fold(v));
  }
  const auto beyond = state_at_version(store_, "acc", 13);
  ASSERT_TRUE(beyond.ok());
  EXPECT_EQ(beyond->latest_version, 12);
  EXPECT_EQ(beyond->state.status, domain::account_status::absent);
  EXPECT_EQ(state_at_version(store_, "nobody", 1)->latest_version, 0);
}

TEST_F(time_travel, given_instants_when_asked_then_the_state_after_the_last_event_by_then) {
  // Event n occurred at t0 + (n-1) s.
  EXPECT_EQ(state_at_instant(store_, "acc", t0 + 6 * second)->state.version, 7);  // exactly
  EXPECT_EQ(state_at_instant(store_, "acc", t0 + 6 * second - 1)->state.version, 6);
  expect_same(state_at_instant(store_, "acc", t0 + 9 * second + 1)->state, fold(10));
  expect_same(state_at_instant(store_, "acc", t0 + 3600 * second)->state, fold(12));
  EXPECT_EQ(state_at_instant(store_, "acc", t0)->state.version, 1);
  const auto before = state_at_instant(store_, "acc", t0 - 1);
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(before->latest_version, 12);
  EXPECT_EQ(before->state.status, domain::account_status::absent);
}

TEST_F(time_travel, given_whole_range_when_paged_then_every_version_with_its_running_balance) {
  history_range range{"acc", std::nullopt, std::nullopt, 0, 5};
  std::vector<history_entry> all;
  for (int page = 0; page < 4; ++page) {
    const auto h = read_history(store_, range);
    ASSERT_TRUE(h.ok());
    EXPECT_EQ(h->currency, "USD");
    all.insert(all.end(), h->entries.begin(), h->entries.end());
    if (h->next_after == 0) break;
    range.after_version = h->next_after;
  }
  ASSERT_EQ(all.size(), 12u);
  for (std::size_t i = 0; i < all.size(); ++i) {
    const auto v = static_cast<std::int64_t>(i + 1);
    EXPECT_EQ(all[i].version, v);
    EXPECT_EQ(all[i].balance, fold(v).balance);
    EXPECT_EQ(all[i].occurred_at, fold(v).updated_at);
    EXPECT_EQ(all[i].type, v == 1 ? "AccountCreated" : "MoneyDeposited");
  }
}

TEST_F(time_travel, given_from_and_to_then_only_events_in_between_both_inclusive) {
  const history_range window{"acc", t0 + 6 * second, t0 + 8 * second, 0, 100};
  const auto h = read_history(store_, window);
  ASSERT_TRUE(h.ok());
  ASSERT_EQ(h->entries.size(), 3u);
  EXPECT_EQ(h->entries.front().version, 7);
  EXPECT_EQ(h->entries.front().balance, fold(7).balance);
  EXPECT_EQ(h->entries.back().version, 9);
  EXPECT_EQ(h->next_after, 0);
  auto paged = window;
  paged.limit = 2;
  const auto first = read_history(store_, paged);
  EXPECT_EQ(first->next_after, 8);
  paged.after_version = 8;
  const auto rest = read_history(store_, paged);
  ASSERT_EQ(rest->entries.size(), 1u);
  EXPECT_EQ(rest->entries[0].version, 9);
  EXPECT_EQ(rest->next_after, 0);
}

TEST_F(time_travel, given_range_without_events_then_empty_page_that_still_names_the_currency) {
  const auto before = read_history(store_, history_range{"acc", std::nullopt, t0 - 1, 0, 100});
  ASSERT_TRUE(before.ok());
  EXPECT_TRUE(before->entries.empty());
  EXPECT_EQ(before->currency, "USD");
  EXPECT_EQ(before->latest_version, 12);
  const auto after = read_history(store_, history_range{"acc", t0 + 3600 * second, {}, 0, 100});
  EXPECT_TRUE(after->entries.empty());
  EXPECT_EQ(read_history(store_, history_range{"nobody", {}, {}, 0, 100})->latest_version, 0);
}

// Another writer commits a deposit on "acc" (version 13, a second after `head`) just before the
// `nth` read of the store from now on, as a deposit that commits between two of a
// query's reads does.
constexpr domain::micros deposit_delay_micros = 1'000'000;

void commit_deposit_before_read(memory_event_store& store, const domain::account_state& head,
                                int nth) {
  auto reads = std::make_shared<int>(0);
  store.set_read_hook([&store, head, nth, reads] {
    if (++*reads != nth) return;
    const auto sealed = domain::seal(head, {domain::money_deposited{"USD", 5'000, ""}},
                                     domain::new_uuid(), head.updated_at + deposit_delay_micros);
    EXPECT_TRUE(store.append({{{"acc", head.version}}, sealed, {}, {}, {}}).ok());
  });
}

TEST_F(time_travel, given_a_deposit_committed_between_two_reads_then_balance_at_now_still_exists) {
  // The query reads the head (version 12), then places the instant: the deposit lands in
  // between and occurred before the instant asked.
  commit_deposit_before_read(store_, fold(12), 2);
  const auto now = state_at_instant(store_, "acc", t0 + 3600 * second);
  ASSERT_TRUE(now.ok());
  EXPECT_EQ(now->state.status, domain::account_status::open)
      << "an account that existed answered 'did not exist'";
  EXPECT_EQ(now->latest_version, 12);
  expect_same(now->state, fold(12));
  // The deposit is there for the next query.
  EXPECT_EQ(state_at_instant(store_, "acc", t0 + 3600 * second)->state.version, 13);
}

TEST_F(time_travel, given_a_deposit_committed_between_two_reads_then_history_ends_at_its_head) {
  commit_deposit_before_read(store_, fold(12), 2);
  const auto h =
      read_history(store_, history_range{"acc", std::nullopt, t0 + 3600 * second, 0, 100});
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->latest_version, 12);
  ASSERT_EQ(h->entries.size(), 12u);
  EXPECT_EQ(h->entries.back().version, 12);
  EXPECT_EQ(h->next_after, 0);
}

TEST_F(time_travel, given_one_snapshot_then_every_read_kind_misses_what_commits_inside_it) {
  commit_deposit_before_read(store_, fold(12), 2);
  std::int64_t head_after = -1;
  std::size_t events = 0, scanned = 0, instant = 0;
  std::int64_t snapshot_version = -1;
  const auto ran = store_.in_one_snapshot([&]() -> result<done, store_error> {
    EXPECT_EQ(*store_.version_at("acc", std::nullopt), 12);  // read 1 takes the snapshot
    head_after = *store_.version_at("acc", std::nullopt);    // read 2: the deposit commits
    events = store_.read("acc", 1, 100)->size();
    scanned = store_.scan("", 0, 100)->size();
    instant = store_.read_at_one_instant({{"acc", 0}}, 100)->size();
    snapshot_version = (*store_.latest_snapshot("acc", 100))->version;
    // A nested call joins the same snapshot.
    return store_.in_one_snapshot([&]() -> result<done, store_error> {
      EXPECT_EQ(*store_.version_at("acc", std::nullopt), 12);
      return done{};
    });
  });
  ASSERT_TRUE(ran.ok());
  EXPECT_EQ(head_after, 12);
  EXPECT_EQ(events, 12u);
  EXPECT_EQ(scanned, 12u);
  EXPECT_EQ(instant, 12u);
  EXPECT_EQ(snapshot_version, 10);
  EXPECT_EQ(*store_.version_at("acc", std::nullopt), 13) << "seen once the snapshot is over";
}

TEST_F(time_travel, given_store_down_then_unavailable) {
  store_.set_available(false);
  EXPECT_EQ(state_at_version(store_, "acc", 3).error(), store_error::unavailable);
  EXPECT_EQ(state_at_instant(store_, "acc", t0).error(), store_error::unavailable);
  EXPECT_EQ(read_history(store_, history_range{"acc", {}, {}, 0, 10}).error(),
            store_error::unavailable);
}

TEST(time_travel_actors, given_time_travel_queries_then_answered_by_a_database_worker) {
  using namespace std::chrono_literals;
  memory_event_store store;
  caf::actor_system_config config;
  caf::actor_system system{config};
  std::vector<actors::db_worker> workers{
      system.spawn<caf::detached>(actors::db_worker_impl, actors::store_factory{[&store] {
                                    return std::make_unique<testing::shared_event_store>(store);
                                  }})};
  auto registry = system.spawn(actors::account_registry_impl, workers, actors::registry_limits{});
  caf::scoped_actor self{system};
  auto ask = [&](auto msg, auto& out) {
    self->request(registry, 5s, std::move(msg))
        .receive([&](std::decay_t<decltype(out)>& r) { out = std::move(r); },
                 [&](caf::error& e) { ADD_FAILURE() << system.render(e); });
  };
  actors::command_reply reply;
  ask(actors::command_request{"tt", "", "", domain::open_account{"T", "USD", "5"}, "ops"}, reply);
  ask(actors::command_request{"tt", "", "", domain::deposit{"2", ""}, "ops"}, reply);
  ASSERT_EQ(reply.status, actors::command_status::accepted);

  actors::balance_at_view v;
  ask(actors::balance_at_query{"tt", 1, std::nullopt}, v);
  ASSERT_EQ(v.status, actors::query_status::ok);
  EXPECT_EQ(v.past.latest_version, 2);
  EXPECT_EQ(v.past.state.balance, 500);
  actors::history_view h;
  ask(actors::history_query{{"tt", {}, {}, 0, 10}}, h);
  ASSERT_EQ(h.status, actors::query_status::ok);
  ASSERT_EQ(h.page.entries.size(), 2u);
  EXPECT_EQ(h.page.entries[1].balance, 700);
  caf::anon_send_exit(registry, caf::exit_reason::user_shutdown);
  for (auto& w : workers) caf::anon_send_exit(w, caf::exit_reason::user_shutdown);
}

}  // namespace
}  // namespace chronicle::persistence
