// The PostgreSQL event store against the real local database: what only the real store
// can show (faults on its connection, its roles, its migrations). Its contract, shared with
// the in-memory twin, is in event_store_contract_test.cpp.

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <atomic>
#include <caf/all.hpp>
#include <pqxx/pqxx>
#include <thread>

#include "actors/account_actor.hpp"
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
  static append_batch opening_batch(const std::string& key = "",
                                    const std::string& description = "salary \u00e9") {
    domain::account_state state;
    state.account_id = "store-" + unique_suffix();
    const auto created = domain::seal(state, {domain::account_created{"Ann", "EUR", 1000}},
                                      domain::new_uuid(), domain::now_micros());
    state = domain::evolve(state, created[0]);
    const auto deposited = domain::seal(state, {domain::money_deposited{"EUR", 250, description}},
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

// Makes the COMMIT of any transaction that deposits with the description "slow commit" take
// two seconds (a deferred constraint trigger that sleeps), as under a slow fsync or a
// synchronous standby; other tests' writes are not slowed. Removed again at the end.
class slow_commits {
 public:
  slow_commits() {
    run(R"(
      CREATE OR REPLACE FUNCTION test_slow_commit() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN PERFORM pg_sleep(2); RETURN NULL; END $$;
      DROP TRIGGER IF EXISTS test_slow_commit ON events;
      CREATE CONSTRAINT TRIGGER test_slow_commit AFTER INSERT ON events
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
        WHEN (NEW.payload->>'description' = 'slow commit')
        EXECUTE FUNCTION test_slow_commit();
    )");
  }
  ~slow_commits() { run("DROP TRIGGER IF EXISTS test_slow_commit ON events"); }

  // A fault hook that cuts the connection 300 ms after the first COMMIT goes out (well
  // inside the two seconds the server spends committing) and counts the batch's writes.
  persistence::fault_hook cut_first_commit() {
    return [this](persistence::fault_point point, int socket_fd) {
      if (point != persistence::fault_point::before_commit || writes_++ > 0) return;
      cutter_ = std::thread{[socket_fd] {
        std::this_thread::sleep_for(std::chrono::milliseconds{300});
        ::shutdown(socket_fd, SHUT_RDWR);
      }};
    };
  }
  // Waits for the cut; then, how many times the batch was written.
  int writes() {
    if (cutter_.joinable()) cutter_.join();
    return writes_;
  }

 private:
  static void run(const std::string& sql) {
    pqxx::connection owner{admin_db()};
    pqxx::work txn{owner};
    txn.exec(sql);
    txn.commit();
  }

  std::thread cutter_;
  std::atomic<int> writes_{0};
};

// The connection is cut while the server is still committing. The store must learn that
// the batch committed and not write it again: on a fresh connection the batch is not
// visible yet, and writing it again would wait for the first COMMIT, then fail on the
// primary key, and the account actor would decide its commands again.
TEST_F(event_store, given_slow_commit_when_connection_lost_during_it_then_committed_not_rewritten) {
  slow_commits slow;
  pg_event_store store{events_db(), slow.cut_first_commit()};
  const auto batch = opening_batch("", "slow commit");
  const auto r = store.append(batch);
  EXPECT_EQ(slow.writes(), 1);  // resolved by the probe, not by writing the batch again
  ASSERT_TRUE(r.ok()) << persistence::describe(r.error());
  EXPECT_EQ(stored_count(batch.events.front().account_id), 2u);
}

// The same, end to end through an account actor: a deposit without an Idempotency-Key is
// acknowledged once and applied once.
TEST_F(event_store, given_slow_commit_cut_when_depositing_without_key_then_applied_once) {
  const auto opened = opening_batch();
  const auto& id = opened.events.front().account_id;
  ASSERT_TRUE(pg_event_store{events_db()}.append(opened).ok());
  slow_commits slow;
  caf::actor_system_config config;
  caf::actor_system system{config};
  const auto worker = system.spawn<caf::detached>(
      actors::db_worker_impl, actors::store_factory{[&] {
        return std::make_unique<pg_event_store>(events_db(), slow.cut_first_commit());
      }});
  const auto account = system.spawn(actors::account_actor_impl, id, worker,
                                    actors::account_limits{}, actors::account_peers{});
  caf::scoped_actor client{system};
  actors::command_reply reply;
  client
      ->request(account, std::chrono::seconds{20},
                actors::command_request{id, "", "", domain::deposit{"1", "slow commit"}, "key-ops"})
      .receive([&](actors::command_reply& r) { reply = r; },
               [&](caf::error& e) { ADD_FAILURE() << caf::to_string(e); });
  EXPECT_EQ(slow.writes(), 1);
  EXPECT_EQ(reply.status, actors::command_status::accepted) << reply.message;
  EXPECT_EQ(reply.version, 3);
  EXPECT_EQ(stored_count(id), 3u);
  caf::anon_send_exit(account, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(worker, caf::exit_reason::user_shutdown);
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
    ASSERT_TRUE(writer.append({{{account_id, head->version}}, sealed, {}, {}, {}}).ok());
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
