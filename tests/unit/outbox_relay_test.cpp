// The outbox relay over the in-memory twins: relay_once publishes in order and
// deletes only what the bus acknowledged; the memory bus deduplicates, redelivers
// and misbehaves on request; the relay actor drains the outbox when woken, and
// again once the bus is back; account actors wake it after each commit.

#include <gtest/gtest.h>

#include <caf/all.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "actors/account_registry.hpp"
#include "domain/event_codec.hpp"
#include "messaging/memory_bus.hpp"
#include "messaging/outbox_relay.hpp"
#include "messaging/outbox_relay_actor.hpp"
#include "persistence/memory_event_store.hpp"
#include "tests/support/eventually.hpp"

namespace chronicle::messaging {
namespace {

using namespace std::chrono_literals;

constexpr int publish_timeout_ms = 1'000;
constexpr auto settle_timeout = 5s;
constexpr auto poll_interval = 5ms;

// Appends `deposits` deposits (after an opening event) to `account`; answers the events.
std::vector<domain::event> append_history(persistence::memory_event_store& store,
                                          const std::string& account, int deposits) {
  domain::account_state state;
  state.account_id = account;
  std::vector<domain::event_body> bodies{domain::account_created{"Owner", "USD", 0}};
  for (int i = 0; i < deposits; ++i) bodies.push_back(domain::money_deposited{"USD", 100, "d"});
  auto events = domain::seal(state, bodies, domain::new_uuid(), domain::now_micros());
  persistence::append_batch batch;
  batch.expected_versions[account] = 0;
  batch.events = events;
  EXPECT_TRUE(store.append(batch).ok());
  return events;
}

std::vector<std::string> ids_of(const std::vector<domain::event>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(e.event_id);
  return out;
}

std::vector<std::string> ids_of(const std::vector<incoming_message>& messages) {
  std::vector<std::string> out;
  for (const auto& m : messages) out.push_back(m.msg_id);
  return out;
}

template <class Predicate>
bool eventually(Predicate done) {
  return chronicle::testing::eventually(done, settle_timeout, poll_interval);
}

TEST(relay_once, given_pending_events_then_published_in_account_version_order_and_rows_deleted) {
  persistence::memory_event_store store;
  memory_bus bus;
  auto b = append_history(store, "bob", 2);
  auto a = append_history(store, "alice", 1);

  const auto count = relay_once(store, bus, 500, publish_timeout_ms);

  ASSERT_TRUE(count.ok());
  EXPECT_EQ(count->pending, 5u);
  EXPECT_EQ(count->relayed, 5u);
  EXPECT_EQ(store.outbox_size(), 0u);
  const auto stored = bus.stored();
  std::vector<std::string> expected = ids_of(a);
  for (const auto& id : ids_of(b)) expected.push_back(id);
  EXPECT_EQ(ids_of(stored), expected);
  EXPECT_EQ(stored[0].subject, "ledger.events.alice");
  EXPECT_EQ(stored[2].subject, "ledger.events.bob");
  // The payload is the event as JSON, hash chain included.
  const auto decoded = domain::event_from_json(nlohmann::json::parse(stored[4].payload));
  ASSERT_TRUE(decoded.ok()) << decoded.error();
  EXPECT_EQ(decoded->event_id, b[2].event_id);
  EXPECT_EQ(decoded->version, 3);
  EXPECT_EQ(decoded->hash, b[2].hash);
  EXPECT_EQ(decoded->prev_hash, b[1].hash);
}

TEST(relay_once, given_a_bus_on_another_stream_then_published_on_that_streams_subjects) {
  persistence::memory_event_store store;
  memory_bus bus{*stream_names::parse("LEDGER_TEST")};
  append_history(store, "alice", 1);

  ASSERT_TRUE(relay_once(store, bus, 500, publish_timeout_ms).ok());

  const auto stored = bus.stored();
  ASSERT_EQ(stored.size(), 2u);
  EXPECT_EQ(stored[0].subject, "ledger_test.events.alice");
  EXPECT_EQ(stored[1].subject, "ledger_test.events.alice");
}

TEST(stream_names, given_a_name_then_subjects_derive_from_it_and_the_default_is_ledger) {
  const stream_names ledger;
  EXPECT_EQ(ledger.name(), "LEDGER");
  EXPECT_EQ(ledger.subjects(), "ledger.events.>");
  EXPECT_EQ(ledger.subject_for("alice"), "ledger.events.alice");
  const auto test = stream_names::parse("LEDGER_TEST");
  ASSERT_TRUE(test.ok()) << test.error();
  EXPECT_EQ(test->name(), "LEDGER_TEST");
  EXPECT_EQ(test->subjects(), "ledger_test.events.>");
  EXPECT_EQ(test->subject_for("alice"), "ledger_test.events.alice");
}

TEST(stream_names, given_a_name_that_could_share_subjects_or_break_them_then_refused) {
  for (const std::string& bad :
       std::vector<std::string>{"", "ledger", "Ledger", "LEDGER.TEST", "LEDGER>", "LEDGER TEST",
                                "LEDGER*", std::string(stream_names::name_length_max + 1, 'A')}) {
    EXPECT_FALSE(stream_names::parse(bad).ok()) << "'" << bad << "'";
  }
  EXPECT_TRUE(stream_names::parse(std::string(stream_names::name_length_max, 'A')).ok());
  EXPECT_TRUE(stream_names::parse("LEDGER-2").ok());
}

TEST(relay_once, given_more_pending_than_the_batch_then_only_one_bounded_batch_moves) {
  persistence::memory_event_store store;
  memory_bus bus;
  const auto events = append_history(store, "carol", 4);

  const auto count = relay_once(store, bus, 2, publish_timeout_ms);

  ASSERT_TRUE(count.ok());
  EXPECT_EQ(count->pending, 2u);
  EXPECT_EQ(count->relayed, 2u);
  EXPECT_EQ(store.outbox_size(), 3u);
  EXPECT_EQ(ids_of(bus.stored()),
            (std::vector<std::string>{events[0].event_id, events[1].event_id}));
}

TEST(relay_once, given_some_publishes_unacknowledged_then_only_acknowledged_rows_are_deleted) {
  persistence::memory_event_store store;
  memory_bus bus;
  const auto events = append_history(store, "dave", 3);
  bus.reject_next(1);

  const auto first = relay_once(store, bus, 500, publish_timeout_ms);

  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->pending, 4u);
  EXPECT_EQ(first->relayed, 3u);
  const auto left = store.claim(10);
  ASSERT_TRUE(left.ok());
  EXPECT_EQ(ids_of(*left), (std::vector<std::string>{events[0].event_id}));

  // The next round publishes the one left behind, late but exactly once.
  const auto second = relay_once(store, bus, 500, publish_timeout_ms);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->relayed, 1u);
  EXPECT_EQ(store.outbox_size(), 0u);
  const auto stored = ids_of(bus.stored());
  EXPECT_EQ(std::set<std::string>(stored.begin(), stored.end()).size(), 4u);
  EXPECT_EQ(stored.back(), events[0].event_id);
}

TEST(relay_once, given_bus_unavailable_then_error_and_every_row_kept) {
  persistence::memory_event_store store;
  memory_bus bus;
  append_history(store, "erin", 2);
  bus.set_available(false);

  const auto count = relay_once(store, bus, 500, publish_timeout_ms);

  ASSERT_FALSE(count.ok());
  EXPECT_EQ(count.error(), relay_error::bus_unavailable);
  EXPECT_EQ(store.outbox_size(), 3u);
  EXPECT_TRUE(bus.stored().empty());
}

TEST(relay_once, given_store_unavailable_then_error_and_nothing_published) {
  persistence::memory_event_store store;
  memory_bus bus;
  append_history(store, "frank", 1);
  store.set_available(false);

  const auto count = relay_once(store, bus, 500, publish_timeout_ms);

  ASSERT_FALSE(count.ok());
  EXPECT_EQ(count.error(), relay_error::store_unavailable);
  EXPECT_EQ(bus.publish_calls(), 0u);
}

TEST(relay_once, given_crash_between_ack_and_delete_then_republish_is_deduplicated) {
  persistence::memory_event_store store;
  memory_bus bus;
  const auto events = append_history(store, "grace", 2);
  store.fail_next_removes(1);

  const auto crashed = relay_once(store, bus, 500, publish_timeout_ms);
  ASSERT_FALSE(crashed.ok());
  EXPECT_EQ(crashed.error(), relay_error::store_unavailable);
  EXPECT_EQ(store.outbox_size(), 3u);
  EXPECT_EQ(bus.stored().size(), 3u);

  const auto retried = relay_once(store, bus, 500, publish_timeout_ms);
  ASSERT_TRUE(retried.ok());
  EXPECT_EQ(retried->relayed, 3u);
  EXPECT_EQ(store.outbox_size(), 0u);
  EXPECT_EQ(ids_of(bus.stored()), ids_of(events));  // each once, in order
  EXPECT_EQ(bus.publish_calls(), 2u);
}

TEST(relay_once, given_empty_outbox_then_nothing_is_published) {
  persistence::memory_event_store store;
  memory_bus bus;
  const auto count = relay_once(store, bus, 500, publish_timeout_ms);
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(count->pending, 0u);
  EXPECT_EQ(bus.publish_calls(), 0u);
}

outgoing_message message(const std::string& id) {
  return outgoing_message{stream_names{}.subject_for("acc"), id, "{\"id\":\"" + id + "\"}"};
}

TEST(memory_bus, given_same_msg_id_within_window_then_acknowledged_and_stored_once) {
  memory_bus bus;
  const auto first = bus.publish({message("m1"), message("m2")}, publish_timeout_ms);
  const auto again = bus.publish({message("m2"), message("m1")}, publish_timeout_ms);
  ASSERT_TRUE(first.ok() && again.ok());
  EXPECT_EQ(*again, (std::vector<bool>{true, true}));
  EXPECT_EQ(ids_of(bus.stored()), (std::vector<std::string>{"m1", "m2"}));
  bus.expire_duplicate_window();
  ASSERT_TRUE(bus.publish({message("m1")}, publish_timeout_ms).ok());
  EXPECT_EQ(bus.stored().size(), 3u);
}

TEST(memory_bus, given_unacknowledged_fetch_then_redelivered_and_durable_position_kept) {
  memory_bus bus;
  ASSERT_TRUE(bus.publish({message("m1"), message("m2"), message("m3")}, publish_timeout_ms).ok());
  auto sub = bus.subscribe("projector");
  ASSERT_TRUE(sub.ok());
  auto batch = (*sub)->fetch(2, 0);
  ASSERT_TRUE(batch.ok());
  EXPECT_EQ(ids_of(*batch), (std::vector<std::string>{"m1", "m2"}));
  EXPECT_EQ((*batch)[1].stream_sequence, 2u);
  ASSERT_TRUE((*sub)->ack({(*batch)[0].token}).ok());

  // m2 was not acknowledged: it comes again, ahead of m3, also to a new
  // subscription on the same durable.
  sub->reset();
  auto again = bus.subscribe("projector");
  ASSERT_TRUE(again.ok());
  auto next = (*again)->fetch(10, 0);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(ids_of(*next), (std::vector<std::string>{"m2", "m3"}));
  std::vector<std::uint64_t> tokens;
  for (const auto& m : *next) tokens.push_back(m.token);
  ASSERT_TRUE((*again)->ack(tokens).ok());
  auto empty = (*again)->fetch(10, 10);
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());

  // Another durable starts from the first message.
  auto other = bus.subscribe("timeline");
  ASSERT_TRUE(other.ok());
  EXPECT_EQ((*other)->fetch(10, 0)->size(), 3u);
  EXPECT_FALSE(bus.subscribe("bad.name").ok());
}

TEST(memory_bus, given_drop_and_reverse_then_consumers_see_a_gap_and_reordering) {
  memory_bus bus;
  bus.drop_next(1);
  ASSERT_TRUE(bus.publish({message("lost"), message("m1")}, publish_timeout_ms).ok());
  bus.reverse_next(2);
  ASSERT_TRUE(bus.publish({message("m2"), message("m3")}, publish_timeout_ms).ok());
  auto sub = bus.subscribe("projector");
  ASSERT_TRUE(sub.ok());
  auto all = (*sub)->fetch(10, 0);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(ids_of(*all), (std::vector<std::string>{"m1", "m3", "m2"}));

  bus.set_available(false);
  EXPECT_EQ((*sub)->fetch(10, 0).error(), bus_error::unavailable);
  EXPECT_EQ(bus.publish({message("m4")}, publish_timeout_ms).error(), bus_error::unavailable);
}

// Lets the relay own "its" store while the test keeps the real one.
class shared_outbox final : public persistence::outbox_store {
 public:
  explicit shared_outbox(persistence::memory_event_store& target) : target_{target} {}
  persistence::result<std::vector<domain::event>, persistence::store_error> claim(
      std::size_t limit) override {
    return target_.claim(limit);
  }
  void release() override { target_.release(); }
  persistence::result<persistence::done, persistence::store_error> remove(
      const std::vector<std::string>& ids) override {
    return target_.remove(ids);
  }

 private:
  persistence::memory_event_store& target_;
};

class relay_actor : public ::testing::Test {
 protected:
  // The relay goes first: it may be reading a store a worker owns.
  void TearDown() override {
    caf::scoped_actor self{system_};
    for (auto& r : relays_) {
      self->send_exit(r, caf::exit_reason::user_shutdown);
      self->wait_for(r);
    }
    for (auto& a : others_) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  }

  outbox_relay spawn_relay(relay_limits limits, persistence::memory_event_store& store) {
    auto bus = std::shared_ptr<publisher>(&bus_, [](publisher*) {});
    auto relay = system_.spawn<caf::detached>(
        outbox_relay_impl, relay_io_factory{[this, bus, &store] {
          relay_io io;
          io.outbox = std::make_unique<shared_outbox>(store);
          io.bus = bus;
          io.prepare = [this]() -> domain::result<std::monostate, bus_error> {
            ++prepared_;
            return std::monostate{};
          };
          return io;
        }},
        limits);
    relays_.push_back(caf::actor_cast<caf::actor>(relay));
    return relay;
  }

  // A registry whose one database worker owns a memory store (so this test
  // does not depend on the event_store interface); worker_store() reaches it.
  actors::account_registry spawn_registry(caf::actor relay) {
    auto worker = system_.spawn<caf::detached>(
        actors::db_worker_impl, actors::store_factory{[this] {
          auto store = std::make_unique<persistence::memory_event_store>();
          worker_store_ = store.get();
          return std::unique_ptr<persistence::event_store>{std::move(store)};
        }});
    EXPECT_TRUE(eventually([&] { return worker_store_.load() != nullptr; }));
    actors::registry_limits limits;
    limits.peers.relay = std::move(relay);
    auto registry = system_.spawn(actors::account_registry_impl,
                                  std::vector<actors::db_worker>{worker}, limits);
    others_.push_back(caf::actor_cast<caf::actor>(registry));
    others_.push_back(caf::actor_cast<caf::actor>(worker));
    return registry;
  }

  persistence::memory_event_store& worker_store() { return *worker_store_.load(); }

  actors::command_reply command(const actors::account_registry& registry,
                                actors::command_request request) {
    caf::scoped_actor self{system_};
    actors::command_reply out;
    self->request(registry, settle_timeout, std::move(request))
        .receive([&](actors::command_reply& r) { out = std::move(r); },
                 [&](caf::error& e) { ADD_FAILURE() << caf::to_string(e); });
    return out;
  }

  persistence::memory_event_store store_;
  std::atomic<persistence::memory_event_store*> worker_store_{nullptr};
  memory_bus bus_;
  std::atomic<int> prepared_{0};
  caf::actor_system_config config_;
  caf::actor_system system_{config_};
  std::vector<caf::actor> relays_;
  std::vector<caf::actor> others_;
};

TEST_F(relay_actor, given_commands_then_the_woken_relay_publishes_every_event_once) {
  // The account actors need the relay's handle and the relay needs the
  // worker's store: a forwarding actor, spawned first, passes the wakes on
  // once it is told where to.
  struct forward_state {
    caf::actor target;
  };
  auto forward = system_.spawn([](caf::stateful_actor<forward_state>* self) -> caf::behavior {
    return {
        [=](caf::actor& target) { self->state.target = std::move(target); },
        [=](actors::wake_atom) {
          if (self->state.target) caf::anon_send(self->state.target, actors::wake_atom::value);
        },
    };
  });
  others_.push_back(forward);
  auto registry = spawn_registry(forward);
  relay_limits limits;
  limits.sweep_interval = 1h;  // only the start and the wakes may trigger sweeps
  caf::anon_send(forward, caf::actor_cast<caf::actor>(spawn_relay(limits, worker_store())));
  ASSERT_TRUE(eventually([&] { return prepared_ > 0; }));

  ASSERT_EQ(
      command(registry, {"henry", "", "", domain::open_account{"H", "USD", "10"}, "ops"}).status,
      actors::command_status::accepted);
  ASSERT_TRUE(eventually([&] { return bus_.stored().size() == 1; }));
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(command(registry, {"henry", "", "", domain::deposit{"1", ""}, "ops"}).status,
              actors::command_status::accepted);
  }
  auto& store = worker_store();
  ASSERT_TRUE(eventually([&] { return store.outbox_size() == 0 && bus_.stored().size() == 6; }));
  const auto history = store.read("henry", 1, 100);
  ASSERT_TRUE(history.ok());
  EXPECT_EQ(ids_of(bus_.stored()), ids_of(*history));
}

TEST_F(relay_actor, given_bus_down_then_relay_backs_off_and_drains_once_it_is_back) {
  bus_.set_available(false);
  append_history(store_, "ivy", 3);
  relay_limits limits;
  limits.batch_max = 2;  // several full batches in one sweep
  limits.sweep_interval = 20ms;
  limits.backoff_min = 5ms;
  limits.backoff_max = 20ms;
  spawn_relay(limits, store_);
  ASSERT_TRUE(eventually([&] { return bus_.publish_calls() >= 3; }));
  EXPECT_EQ(store_.outbox_size(), 4u);

  bus_.set_available(true);
  ASSERT_TRUE(eventually([&] { return store_.outbox_size() == 0; }));
  EXPECT_EQ(bus_.stored().size(), 4u);
  // The bus was prepared again after its failures.
  EXPECT_GE(prepared_.load(), 2);
}

class account_wakes : public relay_actor {};

TEST_F(account_wakes, given_commit_with_events_then_relay_woken_and_not_for_rejections) {
  caf::scoped_actor probe{system_};
  auto registry = spawn_registry(caf::actor_cast<caf::actor>(probe));
  ASSERT_EQ(
      command(registry, {"jack", "", "", domain::open_account{"J", "USD", "0"}, "ops"}).status,
      actors::command_status::accepted);
  bool woken = false;
  probe->receive([&](actors::wake_atom) { woken = true; }, caf::after(settle_timeout) >> [] {});
  EXPECT_TRUE(woken);

  ASSERT_EQ(command(registry, {"jack", "", "", domain::withdraw{"5", ""}, "ops"}).status,
            actors::command_status::rejected);
  bool woken_again = false;
  probe->receive([&](actors::wake_atom) { woken_again = true; }, caf::after(200ms) >> [] {});
  EXPECT_FALSE(woken_again);
}

}  // namespace
}  // namespace chronicle::messaging
