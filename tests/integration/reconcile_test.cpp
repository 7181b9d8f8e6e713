// A quiet account's last events reach the read models even when no message for them ever
// arrives (issue 9, point 6): the projection's reconcile pass compares the event store's heads
// with its checkpoints and repairs what lags. Real PostgreSQL (databases of the suite's own)
// and a real NATS server of its own, whose stream the suite can purge:
// - "publishing nothing": events committed while no node ran, their outbox rows deleted, so
//   no relay ever publishes them (one account behind its checkpoint, one never seen at all);
// - "deleting messages from the stream": events relayed to the stream, then purged from it
//   before any projection read them, as the stream's age or size limits would.
// Then a node starts, and every read model must reach the event store's version within the
// bound docs/EVENT_SOURCING.md gives ("Projection guarantees").

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <pqxx/pqxx>
#include <thread>

#include "domain/event_codec.hpp"
#include "domain/ids.hpp"
#include "messaging/nats_bus.hpp"
#include "messaging/outbox_relay.hpp"
#include "persistence/pg_event_store.hpp"
#include "persistence/pg_outbox_store.hpp"
#include "tests/support/direct_append.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/node_process.hpp"
#include "tests/support/own_stack.hpp"
#include "tests/support/stream_reader.hpp"
#include "tests/support/test_bus.hpp"
#include "tests/support/test_stream.hpp"

namespace chronicle::testing {
namespace {

using namespace std::chrono_literals;

constexpr auto poll_interval = 100ms;
// The pass's bound on a store of a few accounts (one page): the settle time (2 s) plus two
// reconcile intervals (1 s each), from when the node's projection starts. The wait allows a
// node start and a loaded machine on top.
constexpr auto convergence_wait = 20s;

std::uint16_t port() {
  return static_cast<std::uint16_t>(std::stoi(env_or("CHRONICLE_TEST_PORT", "18090")));
}

// The read model's version of `id` (0 when it has none).
std::int64_t view_version(std::uint16_t node_port, const std::string& id) {
  const auto r = http_request(node_port, "GET", "/accounts/" + id);
  return r.status == 200 ? r.json().value("version", std::int64_t{0}) : 0;
}

template <class Predicate>
bool eventually(Predicate done, std::chrono::milliseconds timeout) {
  return testing::eventually(done, timeout, poll_interval);
}



TEST(reconcile, given_messages_that_never_arrive_when_a_node_runs_then_read_models_converge) {
  own_databases dbs{"chronicle_test_reconcile"};
  ASSERT_TRUE(dbs.ok());
  own_nats nats{static_cast<std::uint16_t>(port() + 500)};
  ASSERT_TRUE(nats.started());
  auto node_args = dbs.node_args();
  node_args.insert(node_args.end(), {"--nats", nats.url()});
  const std::string suffix = unique_suffix();
  const std::string behind = "rc-behind-" + suffix;
  const std::string unseen = "rc-unseen-" + suffix;
  const std::string purged = "rc-purged-" + suffix;

  // A first node projects `behind` to version 2: its checkpoint exists, and the durable
  // consumer has seen and acknowledged its messages.
  {
    node_process node{port(), node_args};
    ASSERT_TRUE(node.started()) << "see " << node.log_path();
    ASSERT_EQ(post_json(port(), "/commands/create-account",
                        {{"account_id", behind}, {"owner_name", "Rita"}, {"currency", "EUR"}})
                  .status,
              201);
    ASSERT_EQ(
        post_json(port(), "/commands/deposit", {{"account_id", behind}, {"amount", "5"}}).status,
        201);
    ASSERT_TRUE(eventually([&] { return view_version(port(), behind) == 2; }, 15s));
  }

  // No node runs now. Publishing nothing: committed, and their outbox rows removed.
  persistence::pg_event_store store{dbs.events_app()};
  commit(store, behind, {domain::money_deposited{"EUR", 700, "late"}});
  commit(store, behind, {domain::money_withdrawn{"EUR", 200, "later"}});
  commit(store, unseen, {domain::account_created{"Una", "EUR", 1000}});
  commit(store, unseen, {domain::money_deposited{"EUR", 50, "quiet"}});
  {
    pqxx::connection owner{dbs.events_admin()};
    pqxx::work txn{owner};
    txn.exec_params("DELETE FROM outbox WHERE account_id IN ($1, $2)", behind, unseen);
    txn.commit();
  }

  // Deleting messages from the stream: relayed as the relay does, then purged.
  commit(store, purged, {domain::account_created{"Pia", "EUR", 300}});
  commit(store, purged, {domain::money_deposited{"EUR", 25, "gone"}});
  commit(store, purged, {domain::money_deposited{"EUR", 25, "gone too"}});
  {
    auto bus = connected_bus(nats.url(), "reconcile_test", test_stream());
    ASSERT_TRUE(bus && bus->connected());
    ASSERT_TRUE(bus->ensure_stream().ok());
    persistence::pg_outbox_store outbox{dbs.events_app()};
    const auto relayed = messaging::relay_once(outbox, *bus, 100, 5'000);
    ASSERT_TRUE(relayed.ok());
    EXPECT_EQ(relayed->relayed, 3u);
  }
  const auto stream = test_stream();
  const auto subject = stream.subject_for(purged);
  ASSERT_EQ(stored_on_subject(nats.url(), stream.name(), subject), 3);
  ASSERT_TRUE(purge_subject(nats.url(), stream.name(), subject));
  ASSERT_EQ(stored_on_subject(nats.url(), stream.name(), subject), 0);

  // A node again: no message for these accounts is left anywhere, yet every read model
  // converges to the event store.
  node_process node{port(), node_args};
  ASSERT_TRUE(node.started()) << "see " << node.log_path();
  const auto started = std::chrono::steady_clock::now();
  EXPECT_TRUE(eventually(
      [&] {
        return view_version(port(), behind) == 4 && view_version(port(), unseen) == 2 &&
               view_version(port(), purged) == 3;
      },
      convergence_wait))
      << behind << " " << view_version(port(), behind) << ", " << unseen << " "
      << view_version(port(), unseen) << ", " << purged << " " << view_version(port(), purged);
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
  std::printf("waited %.1f s for the read models after the node started\n", took.count());
  const auto strong = http_request(port(), "GET", "/accounts/" + behind + "?consistency=strong");
  const auto view = http_request(port(), "GET", "/accounts/" + behind);
  EXPECT_EQ(view.json()["balance"], strong.json()["balance"]);
  EXPECT_EQ(view.json()["last_hash"], strong.json()["last_hash"]);
}

}  // namespace
}  // namespace chronicle::testing
