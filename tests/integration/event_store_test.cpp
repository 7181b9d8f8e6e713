// The PostgreSQL event store against the real local database.

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <pqxx/pqxx>

#include "domain/event_codec.hpp"
#include "persistence/migrate.hpp"
#include "persistence/pg_event_store.hpp"
#include "persistence/time_travel.hpp"
#include "tests/support/node_process.hpp"

namespace chronicle::testing {
namespace {

using persistence::append_batch;
using persistence::pg_event_store;
using persistence::store_error;

class event_store : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ASSERT_TRUE(persistence::migrate(admin_db(), persistence::events_migrations()).ok());
  }

  // A batch opening a fresh account with one deposit, optionally keyed.
  static append_batch opening_batch(const std::string& key = "") {
    domain::account_state state;
    state.account_id = "store-" + unique_suffix();
    const auto created = domain::seal(state, {domain::account_created{"Ann", "EUR", 1000}},
                                      domain::new_uuid(), domain::now_micros());
    state = domain::evolve(state, created[0]);
    const auto deposited =
        domain::seal(state, {domain::money_deposited{"EUR", 250, "salary \u00e9"}},
                     domain::new_uuid(), domain::now_micros());
    append_batch batch;
    batch.expected_versions[state.account_id] = 0;
    batch.events = {created[0], deposited[0]};
    if (!key.empty()) {
      batch.commands.push_back({key, state.account_id, "fingerprint", R"({"status":"accepted"})"});
    }
    return batch;
  }

  static std::size_t stored_count(const std::string& account_id) {
    pg_event_store store{events_db()};
    const auto events = store.read(account_id, 1, 1000);
    EXPECT_TRUE(events.ok());
    return events.ok() ? events->size() : 0;
  }
};

TEST_F(event_store, given_batch_when_appended_then_read_back_identical_and_chain_verifies) {
  pg_event_store store{events_db()};
  const auto batch = opening_batch();
  ASSERT_TRUE(store.append(batch).ok());
  const auto state = persistence::load_state(store, batch.events.front().account_id);
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->version, 2);
  EXPECT_EQ(state->balance, 1250);
  const auto events = store.read(batch.events.front().account_id, 1, 10);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(domain::canonical_encoding((*events)[i]),
              domain::canonical_encoding(batch.events[i]));
    EXPECT_EQ((*events)[i].hash, batch.events[i].hash);
  }
}

TEST_F(event_store, given_taken_version_when_appended_again_then_conflict_and_nothing_written) {
  pg_event_store store{events_db()};
  const auto batch = opening_batch();
  ASSERT_TRUE(store.append(batch).ok());
  auto rival = batch;
  for (auto& e : rival.events) e.event_id = domain::new_uuid();
  const auto second = store.append(rival);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error(), store_error::conflict);
  EXPECT_EQ(stored_count(batch.events.front().account_id), 2u);
}

TEST_F(event_store, given_taken_idempotency_key_when_appended_then_conflict_and_nothing_written) {
  pg_event_store store{events_db()};
  const std::string key = "key-" + unique_suffix();
  ASSERT_TRUE(store.append(opening_batch(key)).ok());
  const auto other = opening_batch(key);
  const auto second = store.append(other);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error(), store_error::conflict);
  EXPECT_EQ(stored_count(other.events.front().account_id), 0u);
  const auto found = store.find_commands({key, "absent-" + unique_suffix()});
  ASSERT_TRUE(found.ok());
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ((*found)[0].fingerprint, "fingerprint");
}

TEST_F(event_store, given_app_role_when_update_or_delete_events_then_refused) {
  pg_event_store store{events_db()};
  const auto batch = opening_batch();
  ASSERT_TRUE(store.append(batch).ok());
  pqxx::connection conn{events_db()};
  for (const std::string sql : {"UPDATE events SET payload = '{}' WHERE account_id = $1",
                                "DELETE FROM events WHERE account_id = $1",
                                "UPDATE commands SET response = '{}' WHERE account_id = $1"}) {
    pqxx::work txn{conn};
    try {
      txn.exec_params(sql, batch.events.front().account_id);
      ADD_FAILURE() << "the application role could run: " << sql;
    } catch (const pqxx::insufficient_privilege&) {
      SUCCEED();
    }
  }
  {
    pqxx::work txn{conn};
    EXPECT_THROW(txn.exec("TRUNCATE events"), pqxx::insufficient_privilege);
  }
  EXPECT_EQ(stored_count(batch.events.front().account_id), 2u);
}

TEST_F(event_store, given_connection_dropped_during_commit_then_resolved_and_written_once) {
  int faults = 0;
  pg_event_store store{events_db(), [&](persistence::fault_point point, int socket_fd) {
                         // Cut the connection just before COMMIT goes out, once.
                         if (point == persistence::fault_point::before_commit && faults++ == 0) {
                           ::shutdown(socket_fd, SHUT_RDWR);
                         }
                       }};
  const auto batch = opening_batch("drop-" + unique_suffix());
  ASSERT_TRUE(store.append(batch).ok());
  EXPECT_EQ(faults, 2);  // the cut attempt, then the retry that committed
  EXPECT_EQ(stored_count(batch.events.front().account_id), 2u);
}

TEST_F(event_store, given_commit_reported_in_doubt_after_success_then_resolved_as_committed) {
  int faults = 0;
  pg_event_store store{events_db(), [&](persistence::fault_point point, int) {
                         // The COMMIT went through but its answer is "lost".
                         if (point == persistence::fault_point::after_commit && faults++ == 0) {
                           throw pqxx::in_doubt_error{"injected: commit outcome lost"};
                         }
                       }};
  const auto batch = opening_batch("doubt-" + unique_suffix());
  ASSERT_TRUE(store.append(batch).ok());
  EXPECT_EQ(faults, 1);  // resolved by lookup, not by appending again
  EXPECT_EQ(stored_count(batch.events.front().account_id), 2u);
}

TEST_F(event_store, given_serialization_failure_then_retried_and_written_once) {
  int faults = 0;
  pg_event_store store{events_db(), [&](persistence::fault_point point, int) {
                         // SQLSTATE 40001 from the server, as CockroachDB sends under contention.
                         if (point == persistence::fault_point::before_commit && faults++ < 2) {
                           throw pqxx::serialization_failure{"injected: restart transaction"};
                         }
                       }};
  const auto batch = opening_batch("retry-" + unique_suffix());
  ASSERT_TRUE(store.append(batch).ok());
  EXPECT_EQ(faults, 3);
  EXPECT_EQ(stored_count(batch.events.front().account_id), 2u);
}

TEST_F(event_store, given_stored_schema_1_event_when_loaded_then_upcast_and_chain_verifies) {
  pg_event_store store{events_db()};
  auto batch = opening_batch();
  batch.events.pop_back();
  ASSERT_TRUE(store.append(batch).ok());
  // An event as an older release wrote it: schema 1 movements had no description.
  domain::event old;
  old.event_id = domain::new_uuid();
  old.account_id = batch.events.front().account_id;
  old.version = 2;
  old.occurred_at = domain::now_micros();
  old.command_id = "legacy";
  old.schema_version = 1;
  old.body = domain::money_withdrawn{"EUR", 300, ""};
  old.data = R"({"amount":"3.00","currency":"EUR"})";
  old.prev_hash = batch.events[0].hash;
  old.hash = domain::chain_hash(old.prev_hash, old);
  append_batch legacy;
  legacy.expected_versions[old.account_id] = 1;
  legacy.events = {old};
  ASSERT_TRUE(store.append(legacy).ok());

  const auto state = persistence::load_state(store, batch.events.front().account_id);
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->balance, 700);
  EXPECT_EQ(state->last_hash, old.hash);
  const auto events = store.read(batch.events.front().account_id, 2, 1);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].schema_version, 1);
  EXPECT_EQ(std::get<domain::money_withdrawn>((*events)[0].body).description, "");
}

TEST_F(event_store, given_snapshot_in_the_batch_then_stored_read_back_and_loading_starts_there) {
  pg_event_store store{events_db()};
  auto batch = opening_batch();
  const auto& id = batch.events.front().account_id;
  domain::account_state state;
  for (const auto& e : batch.events) state = domain::evolve(state, e);
  batch.snapshots.push_back(domain::take_snapshot(state));
  ASSERT_TRUE(store.append(batch).ok());

  const auto latest = store.latest_snapshot(id, 100);
  ASSERT_TRUE(latest.ok());
  ASSERT_TRUE(latest->has_value());
  const auto& snap = **latest;
  EXPECT_EQ(snap.version, 2);
  EXPECT_EQ(snap.hash, state.last_hash);
  EXPECT_EQ(snap.occurred_at, state.updated_at);
  // Through JSONB and back: the same state, byte for byte once re-encoded.
  const auto restored = domain::restore_snapshot(snap);
  ASSERT_TRUE(restored.ok()) << restored.error();
  EXPECT_EQ(domain::encode_state(*restored), domain::encode_state(state));
  EXPECT_FALSE(store.latest_snapshot(id, 1)->has_value());
  EXPECT_EQ(store.read_snapshots(id, 0, 10)->size(), 1u);
  const auto loaded = persistence::load_state(store, id);
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->balance, 1250);

  // A second snapshot of the same version is a conflict, and takes its events with it.
  auto rival = opening_batch();
  rival.snapshots.push_back(snap);
  EXPECT_EQ(store.append(rival).error(), store_error::conflict);
  EXPECT_EQ(stored_count(rival.events.front().account_id), 0u);
}

TEST_F(event_store, given_events_at_known_instants_then_version_at_names_the_last_by_then) {
  pg_event_store store{events_db()};
  domain::account_state state;
  state.account_id = "when-" + unique_suffix();
  const auto t = domain::now_micros();
  append_batch batch;
  batch.expected_versions[state.account_id] = 0;
  for (const auto& [body, at] : std::vector<std::pair<domain::event_body, domain::micros>>{
           {domain::account_created{"W", "USD", 0}, t},
           {domain::money_deposited{"USD", 1, ""}, t + 1000},
           {domain::money_deposited{"USD", 2, ""}, t + 1000}}) {
    const auto sealed = domain::seal(state, {body}, domain::new_uuid(), at);
    state = domain::evolve(state, sealed.front());
    batch.events.push_back(sealed.front());
  }
  ASSERT_TRUE(store.append(batch).ok());
  const auto& id = state.account_id;
  EXPECT_EQ(*store.version_at(id, std::nullopt), 3);
  EXPECT_EQ(*store.version_at(id, t - 1), 0);
  EXPECT_EQ(*store.version_at(id, t), 1);
  EXPECT_EQ(*store.version_at(id, t + 999), 1);
  EXPECT_EQ(*store.version_at(id, t + 1000), 3);  // two events at one instant: the later
  EXPECT_EQ(*store.version_at(id, t + 3'600'000'000), 3);
  EXPECT_EQ(*store.version_at("nobody-" + unique_suffix(), std::nullopt), 0);
}

TEST_F(event_store, given_migrations_applied_when_run_again_then_nothing_to_do) {
  const auto again = persistence::migrate(admin_db(), persistence::events_migrations());
  ASSERT_TRUE(again.ok()) << again.error();
  EXPECT_EQ(*again, 0);
}

// A writer on another connection commits a deposit to the account just before the `nth`
// read `reader` makes from now on.
void commit_deposit_before_read(pg_event_store& reader, const std::string& account_id, int nth) {
  auto reads = std::make_shared<int>(0);
  reader.set_read_hook([account_id, nth, reads] {
    if (++*reads != nth) return;
    pg_event_store writer{events_db()};
    const auto head = persistence::load_state(writer, account_id);
    ASSERT_TRUE(head.ok());
    const auto sealed = domain::seal(*head, {domain::money_deposited{"EUR", 100, ""}},
                                     domain::new_uuid(), domain::now_micros());
    ASSERT_TRUE(writer.append({{{account_id, head->version}}, sealed, {}, {}}).ok());
  });
}

TEST_F(event_store, given_a_deposit_committed_between_two_reads_then_balance_at_now_exists) {
  pg_event_store store{events_db()};
  const auto batch = opening_batch();
  const auto& id = batch.events.front().account_id;
  ASSERT_TRUE(store.append(batch).ok());
  // balance-at for "now": the head is read (version 2), then the deposit commits, then the
  // instant is placed. From one snapshot, the instant is placed at version 2 too.
  commit_deposit_before_read(store, id, 2);
  const auto now = persistence::state_at_instant(store, id, domain::now_micros() + 60'000'000);
  ASSERT_TRUE(now.ok());
  EXPECT_EQ(now->state.status, domain::account_status::open)
      << "an account that existed answered 'did not exist'";
  EXPECT_EQ(now->latest_version, 2);
  EXPECT_EQ(now->state.version, 2);
  EXPECT_EQ(now->state.balance, 1250);
  store.set_read_hook(nullptr);
  EXPECT_EQ(*store.version_at(id, std::nullopt), 3) << "the deposit did commit meanwhile";
}

TEST_F(event_store, given_one_snapshot_then_its_reads_miss_what_commits_inside_it_and_it_nests) {
  pg_event_store store{events_db()};
  const auto batch = opening_batch();
  const auto& id = batch.events.front().account_id;
  ASSERT_TRUE(store.append(batch).ok());
  commit_deposit_before_read(store, id, 2);
  std::vector<std::int64_t> seen;
  const auto ran =
      store.in_one_snapshot([&]() -> persistence::result<persistence::done, store_error> {
        seen.push_back(*store.version_at(id, std::nullopt));
        seen.push_back(*store.version_at(id, std::nullopt));
        seen.push_back(static_cast<std::int64_t>(store.read(id, 1, 10)->size()));
        seen.push_back(static_cast<std::int64_t>(store.read_at_one_instant({{id, 0}}, 10)->size()));
        return store.in_one_snapshot([&]() -> persistence::result<persistence::done, store_error> {
          seen.push_back(*store.version_at(id, std::nullopt));
          return persistence::done{};
        });
      });
  ASSERT_TRUE(ran.ok());
  EXPECT_EQ(seen, (std::vector<std::int64_t>{2, 2, 2, 2, 2}));
  store.set_read_hook(nullptr);
  EXPECT_EQ(*store.version_at(id, std::nullopt), 3);
}

TEST_F(event_store, given_unreachable_database_then_unavailable_not_exception) {
  pg_event_store store{"host=127.0.0.1 port=1 dbname=x user=x connect_timeout=1"};
  const auto r = store.append(opening_batch());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), store_error::unavailable);
  EXPECT_FALSE(store.newest_event_time().ok());
}

}  // namespace
}  // namespace chronicle::testing
