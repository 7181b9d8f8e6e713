// Account actors and the registry over the in-memory event store: group
// commit, idempotency, conflicts with another writer, outages, passivation.

#include <gtest/gtest.h>

#include <caf/all.hpp>

#include "actors/account_registry.hpp"
#include "persistence/memory_event_store.hpp"
#include "tests/support/shared_event_store.hpp"

namespace chronicle::actors {
namespace {

using namespace std::chrono_literals;

constexpr auto reply_timeout = 5s;

using reply_handle =
    caf::response_handle<caf::blocking_actor, caf::detail::type_list<command_reply>, true>;

using shared_store = testing::shared_event_store;

command_request make(const std::string& id, domain::command cmd, std::string key = "",
                     std::string fingerprint = "") {
  return command_request{id, std::move(key), std::move(fingerprint), std::move(cmd)};
}

command_request open(const std::string& id, const std::string& initial) {
  return make(id, domain::open_account{"Owner", "USD", initial});
}

class account_actors : public ::testing::Test {
 protected:
  void SetUp() override { registry_ = spawn_registry(registry_limits{}); }

  void TearDown() override {
    for (auto& r : registries_) caf::anon_send_exit(r, caf::exit_reason::user_shutdown);
    for (auto& w : workers_) caf::anon_send_exit(w, caf::exit_reason::user_shutdown);
  }

  // A registry with two workers of its own, as another node would have.
  account_registry spawn_registry(registry_limits limits) {
    std::vector<db_worker> workers;
    for (int i = 0; i < 2; ++i) {
      workers.push_back(system_.spawn<caf::detached>(
          db_worker_impl,
          store_factory{[this] { return std::make_unique<shared_store>(store_); }}));
    }
    workers_.insert(workers_.end(), workers.begin(), workers.end());
    auto registry = system_.spawn(account_registry_impl, workers, limits);
    registries_.push_back(registry);
    return registry;
  }

  template <class Reply, class Message>
  Reply ask(const account_registry& target, Message msg) {
    caf::scoped_actor self{system_};
    Reply out;
    self->request(target, reply_timeout, std::move(msg))
        .receive([&](Reply& r) { out = std::move(r); },
                 [&](caf::error& e) { ADD_FAILURE() << caf::to_string(e); });
    return out;
  }

  command_reply command(command_request req) { return command(registry_, std::move(req)); }
  command_reply command(const account_registry& r, command_request req) {
    return ask<command_reply>(r, std::move(req));
  }
  account_view view(const std::string& id) {
    return ask<account_view>(registry_, account_query{id});
  }

  persistence::memory_event_store store_;
  caf::actor_system_config config_;
  caf::actor_system system_{config_};
  std::vector<db_worker> workers_;
  std::vector<account_registry> registries_;
  account_registry registry_;
};

TEST_F(account_actors, given_append_in_flight_when_commands_queue_then_one_batch_commits_them) {
  ASSERT_EQ(command(open("hot", "0")).status, command_status::accepted);
  store_.hold_appends();
  caf::scoped_actor client{system_};
  auto first = client->request(registry_, reply_timeout, make("hot", domain::deposit{"1", ""}));
  ASSERT_TRUE(store_.await_held(1, reply_timeout));
  constexpr int queued = 49;
  std::vector<reply_handle> rest;
  for (int i = 0; i < queued; ++i) {
    rest.push_back(
        client->request(registry_, reply_timeout, make("hot", domain::deposit{"1", ""})));
  }
  // The actor answers queries while busy; once this one is answered, every
  // deposit sent before it sits in the actor's queue.
  ASSERT_EQ(view("hot").status, query_status::ok);
  store_.release_appends();

  std::vector<std::int64_t> versions;
  auto collect = [&](auto& handle) {
    handle.receive([&](command_reply& r) { versions.push_back(r.version); },
                   [&](caf::error& e) { ADD_FAILURE() << caf::to_string(e); });
  };
  collect(first);
  for (auto& h : rest) collect(h);
  ASSERT_EQ(versions.size(), 50u);
  for (std::size_t i = 0; i < versions.size(); ++i)
    EXPECT_EQ(versions[i], static_cast<std::int64_t>(i + 2));
  // open, the first deposit alone, then the 49 queued deposits together.
  EXPECT_EQ(store_.append_calls(), 3u);
  EXPECT_EQ(view("hot").state.balance, 5000);
}

TEST_F(account_actors, given_balance_100_when_100_withdrawals_of_10_race_then_exactly_10_accepted) {
  ASSERT_EQ(command(open("race", "100")).status, command_status::accepted);
  caf::scoped_actor client{system_};
  std::vector<reply_handle> handles;
  for (int i = 0; i < 100; ++i) {
    handles.push_back(
        client->request(registry_, reply_timeout, make("race", domain::withdraw{"10", ""})));
  }
  int accepted = 0, insufficient = 0;
  for (auto& h : handles) {
    h.receive(
        [&](command_reply& r) {
          if (r.status == command_status::accepted) ++accepted;
          if (r.status == command_status::rejected &&
              r.code == domain::rejection_code::insufficient_funds) {
            ++insufficient;
          }
        },
        [&](caf::error& e) { ADD_FAILURE() << caf::to_string(e); });
  }
  EXPECT_EQ(accepted, 10);
  EXPECT_EQ(insufficient, 90);
  EXPECT_EQ(view("race").state.balance, 0);
  EXPECT_EQ(view("race").state.version, 11);
}

TEST_F(account_actors, given_key_seen_when_retried_then_stored_reply_and_no_new_event) {
  ASSERT_EQ(command(open("idem", "100")).status, command_status::accepted);
  const auto first = command(make("idem", domain::withdraw{"30", ""}, "k-1", "fp-a"));
  ASSERT_EQ(first.status, command_status::accepted);
  EXPECT_FALSE(first.replayed);
  const auto again = command(make("idem", domain::withdraw{"30", ""}, "k-1", "fp-a"));
  EXPECT_EQ(again.status, command_status::accepted);
  EXPECT_TRUE(again.replayed);
  EXPECT_EQ(again.event_id, first.event_id);
  EXPECT_EQ(again.balance, "70.00");
  const auto other = command(make("idem", domain::withdraw{"31", ""}, "k-1", "fp-b"));
  EXPECT_EQ(other.status, command_status::idempotency_key_reused);
  EXPECT_EQ(view("idem").state.version, 2);
}

TEST_F(account_actors, given_same_key_twice_in_one_batch_then_one_event_and_same_reply) {
  ASSERT_EQ(command(open("twice", "100")).status, command_status::accepted);
  store_.hold_appends();
  caf::scoped_actor client{system_};
  auto blocker = client->request(registry_, reply_timeout, make("twice", domain::deposit{"1", ""}));
  ASSERT_TRUE(store_.await_held(1, reply_timeout));
  auto a = client->request(registry_, reply_timeout,
                           make("twice", domain::withdraw{"5", ""}, "dup", "fp"));
  auto b = client->request(registry_, reply_timeout,
                           make("twice", domain::withdraw{"5", ""}, "dup", "fp"));
  ASSERT_EQ(view("twice").status, query_status::ok);
  store_.release_appends();
  command_reply ra, rb;
  blocker.receive([](command_reply&) {}, [](caf::error&) {});
  a.receive([&](command_reply& r) { ra = r; }, [](caf::error&) {});
  b.receive([&](command_reply& r) { rb = r; }, [](caf::error&) {});
  EXPECT_EQ(ra.status, command_status::accepted);
  EXPECT_EQ(rb.status, command_status::accepted);
  EXPECT_EQ(ra.event_id, rb.event_id);
  EXPECT_TRUE(rb.replayed);
  EXPECT_EQ(view("twice").state.balance, 9600);
  EXPECT_EQ(view("twice").state.version, 3);
}

TEST_F(account_actors, given_another_writer_appended_when_stale_actor_decides_then_reloads) {
  ASSERT_EQ(command(open("shared", "10")).status, command_status::accepted);
  ASSERT_EQ(view("shared").state.version, 1);
  const auto other_node = spawn_registry(registry_limits{});
  ASSERT_EQ(command(other_node, make("shared", domain::deposit{"5", ""})).status,
            command_status::accepted);
  // This node still believes version 1; its append conflicts and it reloads.
  const auto r = command(make("shared", domain::deposit{"15", ""}));
  EXPECT_EQ(r.status, command_status::accepted);
  EXPECT_EQ(r.version, 3);
  EXPECT_EQ(r.balance, "30.00");
  EXPECT_EQ(view("shared").state.version, 3);
}

TEST_F(account_actors, given_store_down_then_unavailable_and_afterwards_commands_succeed) {
  ASSERT_EQ(command(open("down", "10")).status, command_status::accepted);
  store_.set_available(false);
  EXPECT_EQ(command(make("down", domain::deposit{"1", ""})).status, command_status::unavailable);
  EXPECT_EQ(command(open("never-loaded", "1")).status, command_status::unavailable);
  store_.set_available(true);
  const auto r = command(make("down", domain::deposit{"1", ""}));
  EXPECT_EQ(r.status, command_status::accepted);
  EXPECT_EQ(r.version, 2);
  EXPECT_EQ(command(open("never-loaded", "1")).status, command_status::accepted);
}

TEST_F(account_actors, given_more_accounts_than_live_limit_then_evicted_ones_reload_their_state) {
  registry_limits limits;
  limits.live_accounts_max = 2;
  registry_ = spawn_registry(limits);
  for (const char* id : {"p1", "p2", "p3"}) {
    ASSERT_EQ(command(open(id, "7")).status, command_status::accepted);
  }
  for (const char* id : {"p1", "p2", "p3", "p1"}) {
    ASSERT_EQ(command(make(id, domain::deposit{"1", ""})).status, command_status::accepted);
  }
  EXPECT_EQ(view("p1").state.balance, 900);
  EXPECT_EQ(view("p2").state.balance, 800);
  EXPECT_EQ(view("p3").state.version, 2);
}

TEST_F(account_actors, given_unknown_account_then_not_found_and_commands_rejected) {
  EXPECT_EQ(view("ghost").status, query_status::not_found);
  const auto r = command(make("ghost", domain::deposit{"1", ""}));
  EXPECT_EQ(r.status, command_status::rejected);
  EXPECT_EQ(r.code, domain::rejection_code::account_not_found);
}

}  // namespace
}  // namespace chronicle::actors
