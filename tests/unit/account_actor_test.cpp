// Account actors and the registry over the in-memory event store: group
// commit, idempotency, conflicts with another writer, outages, passivation.

#include <gtest/gtest.h>

#include <caf/all.hpp>
#include <thread>

#include "actors/account_registry.hpp"
#include "persistence/memory_event_store.hpp"
#include "tests/support/shared_event_store.hpp"

namespace chronicle::actors {
namespace {

using namespace std::chrono_literals;

constexpr auto reply_timeout = 5s;
constexpr std::size_t workers_per_registry = 2;

using reply_handle =
    caf::response_handle<caf::blocking_actor, caf::detail::type_list<command_reply>, true>;

using shared_store = testing::shared_event_store;

// Commands and transfers are issued by the API key "key-ops" unless a test says otherwise.
command_request make(const std::string& id, domain::command cmd, std::string key = "",
                     std::string fingerprint = "") {
  return command_request{id, std::move(key), std::move(fingerprint), std::move(cmd), "key-ops"};
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
  local_registry spawn_registry(registry_limits limits) {
    std::vector<db_worker> workers;
    for (std::size_t i = 0; i < workers_per_registry; ++i) {
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

  // Returns once the registry has forwarded everything sent to it before, by
  // asking about another account: one served by the other database worker,
  // since `busy`'s worker may be held.
  void barrier_behind(const std::string& busy) {
    const std::hash<std::string> hash;
    std::string other = "barrier";
    while (hash(other) % workers_per_registry == hash(busy) % workers_per_registry) other += "x";
    ASSERT_EQ(view(other).status, query_status::not_found);
  }

  persistence::memory_event_store store_;
  caf::actor_system_config config_;
  caf::actor_system system_{config_};
  std::vector<db_worker> workers_;
  std::vector<local_registry> registries_;
  local_registry registry_;
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
  // The registry forwards in order: once it answered a later query, every
  // deposit sits in the account's mailbox, ahead of the held append's reply.
  barrier_behind("hot");
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
  barrier_behind("twice");
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

// Another node wrote the account (a transfer into it that the source's owner coordinated, or
// while it owned the account): this node's live actor knows nothing of it until told.
TEST_F(account_actors, given_another_node_wrote_when_told_then_strong_reads_see_it) {
  ASSERT_EQ(command(open("told", "10")).status, command_status::accepted);
  const auto other_node = spawn_registry(registry_limits{});
  ASSERT_EQ(command(other_node, make("told", domain::deposit{"5", ""})).status,
            command_status::accepted);
  EXPECT_EQ(view("told").state.version, 1);
  caf::anon_send(registry_, stale_notice{"told", 2});
  EXPECT_EQ(view("told").state.version, 2);
  EXPECT_EQ(view("told").state.balance, 1500);

  ASSERT_EQ(command(other_node, make("told", domain::deposit{"5", ""})).status,
            command_status::accepted);
  const auto only = [](std::string id) {
    return account_filter{[id](const std::string& other) { return other == id; }};
  };
  caf::anon_send(registry_, stale_atom::value, only("other"));
  EXPECT_EQ(view("told").state.version, 2);
  caf::anon_send(registry_, stale_atom::value, only("told"));
  EXPECT_EQ(view("told").state.version, 3);
  // The same filters count the live accounts they pick.
  caf::scoped_actor client{system_};
  std::uint64_t picked = 0;
  client->request(registry_, reply_timeout, live_atom::value, only("told"))
      .receive([&](std::uint64_t n) { picked = n; }, [](caf::error&) {});
  EXPECT_EQ(picked, 1U);
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

command_request deposit_to(const std::string& id, const std::string& amount) {
  return make(id, domain::deposit{amount, ""});
}

transfer_request transfer(const std::string& id, const std::string& from, const std::string& to,
                          const std::string& amount, std::string key = "") {
  return transfer_request{std::move(key), "fp-" + id, domain::transfer{id, from, to, amount, ""},
                          "key-ops"};
}

TEST_F(account_actors, given_two_accounts_when_transferring_then_both_legs_in_one_append) {
  ASSERT_EQ(command(open("ta", "100")).status, command_status::accepted);
  ASSERT_EQ(command(open("tb", "0")).status, command_status::accepted);
  const auto appends_before = store_.append_calls();
  const auto r = ask<command_reply>(registry_, transfer("t-1", "ta", "tb", "30"));
  ASSERT_EQ(r.status, command_status::accepted) << r.message;
  EXPECT_EQ(store_.append_calls(), appends_before + 1);
  EXPECT_EQ(r.balance, "70.00");
  EXPECT_EQ(r.other_balance, "30.00");
  ASSERT_EQ(r.events.size(), 2u);
  EXPECT_EQ(r.events[0].type, "TransferDebited");
  EXPECT_EQ(r.events[1].account_id, "tb");
  EXPECT_EQ(view("ta").state.balance, 7000);
  EXPECT_EQ(view("tb").state.version, 2);
  // Every event names the key that issued its command: both legs, and the openings.
  for (const char* id : {"ta", "tb"}) {
    const auto stored = store_.read(id, 1, 10);
    ASSERT_TRUE(stored) << id;
    ASSERT_EQ(stored->size(), 2u) << id;
    for (const auto& e : *stored) EXPECT_EQ(e.issued_by, "key-ops") << id << " v" << e.version;
  }
  // The accounts take ordinary commands again once released.
  EXPECT_EQ(command(deposit_to("tb", "1")).version, 3);
}

TEST_F(account_actors, given_transfer_id_seen_when_retried_then_stored_outcome_and_no_new_legs) {
  ASSERT_EQ(command(open("ia", "100")).status, command_status::accepted);
  ASSERT_EQ(command(open("ib", "0")).status, command_status::accepted);
  const auto first = ask<command_reply>(registry_, transfer("t-2", "ia", "ib", "10"));
  const auto again = ask<command_reply>(registry_, transfer("t-2", "ia", "ib", "10"));
  ASSERT_EQ(again.status, command_status::accepted);
  EXPECT_TRUE(again.replayed);
  EXPECT_EQ(again.events.size(), 2u);
  EXPECT_EQ(again.events[0].event_id, first.events[0].event_id);
  EXPECT_EQ(view("ia").state.balance, 9000);
}

TEST_F(account_actors, given_transfers_both_ways_at_once_then_no_deadlock_and_money_conserved) {
  ASSERT_EQ(command(open("x", "50")).status, command_status::accepted);
  ASSERT_EQ(command(open("y", "50")).status, command_status::accepted);
  caf::scoped_actor client{system_};
  std::vector<reply_handle> handles;
  // Every transfer holds "x" first (the lower id): stay within holds_waiting_max.
  constexpr int each_way = 30;
  for (int i = 0; i < each_way; ++i) {
    handles.push_back(client->request(registry_, reply_timeout,
                                      transfer("xy-" + std::to_string(i), "x", "y", "1")));
    handles.push_back(client->request(registry_, reply_timeout,
                                      transfer("yx-" + std::to_string(i), "y", "x", "1")));
  }
  int accepted = 0;
  for (auto& h : handles) {
    h.receive([&](command_reply& r) { accepted += r.status == command_status::accepted; },
              [&](caf::error& e) { ADD_FAILURE() << caf::to_string(e); });
  }
  EXPECT_EQ(accepted, 2 * each_way);
  const auto x = view("x").state;
  const auto y = view("y").state;
  EXPECT_EQ(x.balance + y.balance, 10000);
  EXPECT_EQ(x.version, 1 + 2 * each_way);
  EXPECT_EQ(y.version, 1 + 2 * each_way);
}

TEST_F(account_actors, given_store_down_when_transferring_then_neither_leg_and_later_it_works) {
  ASSERT_EQ(command(open("da", "10")).status, command_status::accepted);
  ASSERT_EQ(command(open("db", "10")).status, command_status::accepted);
  store_.set_available(false);
  EXPECT_EQ(ask<command_reply>(registry_, transfer("t-3", "da", "db", "5")).status,
            command_status::unavailable);
  store_.set_available(true);
  EXPECT_EQ(view("da").state.balance, 1000);
  EXPECT_EQ(view("db").state.balance, 1000);
  const auto r = ask<command_reply>(registry_, transfer("t-4", "da", "db", "5"));
  EXPECT_EQ(r.status, command_status::accepted);
  EXPECT_EQ(view("db").state.balance, 1500);
}

TEST_F(account_actors, given_rejected_transfer_then_accounts_released_unchanged) {
  ASSERT_EQ(command(open("ra", "1")).status, command_status::accepted);
  ASSERT_EQ(command(open("rb", "1")).status, command_status::accepted);
  const auto r = ask<command_reply>(registry_, transfer("t-5", "ra", "rb", "2"));
  EXPECT_EQ(r.status, command_status::rejected);
  EXPECT_EQ(r.code, domain::rejection_code::insufficient_funds);
  EXPECT_EQ(ask<command_reply>(registry_, transfer("t-6", "ra", "ra", "1")).code,
            domain::rejection_code::same_account);
  EXPECT_EQ(command(deposit_to("ra", "1")).status, command_status::accepted);
  EXPECT_EQ(view("ra").state.balance, 200);
}

// Names whose database worker (by the registry's hash) differs from `avoid`'s, so that a
// test can block one worker's append and still use the other worker.
std::string on_other_worker(const std::string& avoid, std::string name) {
  const std::hash<std::string> hash;
  while (hash(name) % workers_per_registry == hash(avoid) % workers_per_registry) name += "x";
  return name;
}

TEST_F(account_actors, given_lease_ran_out_while_transfer_commits_then_it_cannot_and_reads_agree) {
  registry_limits limits;
  limits.account.hold_lease = 200ms;
  registry_ = spawn_registry(limits);
  const std::string transfer_id = "t-lease";
  const auto from = on_other_worker(transfer_id, "lease-from");
  const auto to = on_other_worker(transfer_id, "lease-to");
  ASSERT_EQ(command(open(from, "100")).status, command_status::accepted);
  ASSERT_EQ(command(open(to, "0")).status, command_status::accepted);

  // The transfer holds both accounts and its batch waits in the store...
  store_.hold_appends();
  caf::scoped_actor client{system_};
  auto pending = client->request(registry_, 10s, transfer(transfer_id, from, to, "30"));
  ASSERT_TRUE(store_.await_held(1, reply_timeout));
  // ...while both leases run out: each account revokes its hold and reloads.
  const auto deadline = std::chrono::steady_clock::now() + reply_timeout;
  while (store_.revocations() < 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_EQ(store_.revocations(), 2u);
  EXPECT_EQ(view(from).state.balance, 10000);
  store_.release_appends();

  command_reply outcome;
  pending.receive([&](command_reply& r) { outcome = r; },
                  [&](caf::error& e) { ADD_FAILURE() << caf::to_string(e); });
  EXPECT_EQ(outcome.status, command_status::unavailable) << outcome.message;
  // What the accounts answer is what the store holds: the transfer did not commit.
  for (const auto& id : {from, to}) {
    const auto stored = persistence::load_state(store_, id);
    ASSERT_TRUE(stored) << id;
    EXPECT_EQ(stored->version, 1) << id;
    EXPECT_EQ(view(id).state.balance, stored->balance) << id;
    EXPECT_EQ(view(id).state.version, stored->version) << id;
  }
  // The accounts work on: a new transfer commits.
  EXPECT_EQ(ask<command_reply>(registry_, transfer("t-after", from, to, "30")).status,
            command_status::accepted);
  EXPECT_EQ(view(to).state.balance, 3000);
}

// One account actor, spoken to directly, so that the order of its mailbox is the order
// this test sends in.
class account_actor_alone : public account_actors {
 protected:
  account_actor spawn_account(const std::string& id, account_limits limits) {
    auto worker = system_.spawn<caf::detached>(
        db_worker_impl, store_factory{[this] { return std::make_unique<shared_store>(store_); }});
    workers_.push_back(worker);
    auto account = system_.spawn(account_actor_impl, id, worker, limits, account_peers{});
    accounts_.push_back(account);
    return account;
  }

  void TearDown() override {
    for (auto& a : accounts_) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    account_actors::TearDown();
  }

  std::vector<account_actor> accounts_;
};

TEST_F(account_actor_alone, given_hold_when_released_with_another_token_then_still_held) {
  account_limits limits;
  limits.hold_lease = 30s;
  const auto account = spawn_account("tok", limits);
  caf::scoped_actor client{system_};
  command_reply opened;
  client->request(account, reply_timeout, open("tok", "10"))
      .receive([&](command_reply& r) { opened = r; }, [](caf::error&) {});
  ASSERT_EQ(opened.status, command_status::accepted);
  hold_reply held;
  client->request(account, reply_timeout, hold_atom::value, std::string{"t-1"})
      .receive([&](hold_reply& r) { held = r; }, [](caf::error&) {});
  ASSERT_EQ(held.status, query_status::ok);
  ASSERT_FALSE(held.token.empty());

  // A release naming another hold (an earlier one, or another try of the same
  // transfer) does not end this one: a deposit still waits.
  client->send(account, release_order{"t-1", "not-" + held.token, hold_end::untouched, {}});
  client->send(account, release_order{"t-1", {}, hold_end::untouched, {}});
  bool waited = false;
  client->request(account, 300ms, deposit_to("tok", "1"))
      .receive([&](command_reply&) {}, [&](caf::error&) { waited = true; });
  EXPECT_TRUE(waited);

  client->send(account, release_order{"t-1", held.token, hold_end::untouched, {}});
  command_reply after;
  client->request(account, reply_timeout, deposit_to("tok", "1"))
      .receive([&](command_reply& r) { after = r; }, [](caf::error&) {});
  EXPECT_EQ(after.status, command_status::accepted);
}

TEST_F(account_actor_alone, given_transfers_waiting_when_a_command_waits_too_then_turns_alternate) {
  account_limits limits;
  limits.hold_lease = 30s;
  const auto account = spawn_account("fair", limits);
  caf::scoped_actor client{system_};
  client->request(account, reply_timeout, open("fair", "10"))
      .receive([](command_reply&) {}, [](caf::error&) {});
  hold_reply first;
  client->request(account, reply_timeout, hold_atom::value, std::string{"t-0"})
      .receive([&](hold_reply& r) { first = r; }, [](caf::error&) {});
  ASSERT_EQ(first.status, query_status::ok);

  // Behind the granted hold: ten more transfers, then a deposit.
  using hold_handle =
      caf::response_handle<caf::blocking_actor, caf::detail::type_list<hold_reply>, true>;
  std::vector<hold_handle> waiting;
  for (int i = 1; i <= 10; ++i) {
    waiting.push_back(
        client->request(account, 30s, hold_atom::value, "t-" + std::to_string(i)));
  }
  auto deposit = client->request(account, reply_timeout, deposit_to("fair", "1"));
  client->send(account, release_order{"t-0", first.token, hold_end::untouched, {}});

  // The deposit gets the next turn, although ten holds were asked for before it (and
  // none of them is released here).
  command_reply deposited;
  deposit.receive([&](command_reply& r) { deposited = r; },
                  [&](caf::error& e) { ADD_FAILURE() << caf::to_string(e); });
  EXPECT_EQ(deposited.status, command_status::accepted);
  EXPECT_EQ(deposited.version, 2);
  hold_reply next;
  waiting.front().receive([&](hold_reply& r) { next = r; },
                          [&](caf::error& e) { ADD_FAILURE() << caf::to_string(e); });
  EXPECT_EQ(next.status, query_status::ok);
  EXPECT_EQ(next.state.version, 2);
}

// A load that has read, and not yet answered, when the actor is told of a newer write: what it
// read predates that write, so the actor reads again before it answers.
TEST_F(account_actor_alone, given_a_load_under_way_when_told_of_a_newer_write_then_it_reads_again) {
  const auto account = spawn_account("race", account_limits{});
  caf::scoped_actor client{system_};
  command_reply opened;
  client->request(account, reply_timeout, open("race", "10"))
      .receive([&](command_reply& r) { opened = r; }, [](caf::error&) {});
  ASSERT_EQ(opened.status, command_status::accepted);
  const auto other_node = spawn_registry(registry_limits{});
  ASSERT_EQ(command(other_node, make("race", domain::deposit{"5", ""})).status,
            command_status::accepted);

  store_.hold_reads();
  client->send(account, stale_atom::value, std::int64_t{2});
  auto pending = client->request(account, reply_timeout, account_query{"race"});
  const bool load_read = store_.await_reads_held(1, reply_timeout);
  if (load_read) {
    // The other node's actor is loaded: its deposit reads nothing, so it is not held.
    EXPECT_EQ(command(other_node, make("race", domain::deposit{"1", ""})).status,
              command_status::accepted);
    client->send(account, stale_atom::value, std::int64_t{3});
  }
  store_.release_reads();
  ASSERT_TRUE(load_read);
  account_view seen;
  pending.receive([&](account_view& v) { seen = v; }, [](caf::error&) {});
  EXPECT_EQ(seen.status, query_status::ok);
  EXPECT_EQ(seen.state.version, 3);
  EXPECT_EQ(seen.state.balance, 1600);
}

}  // namespace
}  // namespace chronicle::actors
