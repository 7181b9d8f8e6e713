#pragma once

// The event store on a PostgreSQL-wire database (PostgreSQL or CockroachDB).
//
// Each instance owns one connection (pg_connection.hpp). Appends
// run SERIALIZABLE and are retried with jittered backoff on SQLSTATE 40001 and
// deadlocks. Each append first checks its fence (event_store.hpp) in the same
// transaction. A connection lost during COMMIT is resolved on a fresh connection
// by inserting the batch's first row again in a transaction that is rolled back:
// the insert waits for the earlier try to end, then its duplicate (or not) tells
// the outcome.
// Reads at one instant (read_at_one_instant, and every read inside
// in_one_snapshot) run in one REPEATABLE READ READ ONLY transaction (one snapshot
// on PostgreSQL; CockroachDB runs it SERIALIZABLE), retried like appends on
// SQLSTATE 40001; any other read runs in a read-only transaction of its own.

#include <functional>
#include <memory>

#include "persistence/event_store.hpp"
#include "persistence/pg_connection.hpp"

namespace chronicle::persistence {

// Points in an append where tests may inject a fault. The hook receives the
// connection's socket; it may shut the socket down or throw.
enum class fault_point { before_commit, after_commit };
using fault_hook = std::function<void(fault_point, int socket_fd)>;

class pg_event_store final : public event_store {
 public:
  explicit pg_event_store(std::string connection_string, fault_hook hook = nullptr);
  ~pg_event_store() override;

  result<std::vector<domain::event>, store_error> read(const std::string& account_id,
                                                       std::int64_t from_version,
                                                       std::size_t limit) override;
  result<std::vector<command_record>, store_error> find_commands(
      const std::vector<std::string>& keys) override;
  result<done, store_error> append(const append_batch& batch) override;
  result<done, store_error> revoke_hold(const std::string& account_id,
                                        const std::string& token) override;
  result<domain::micros, store_error> newest_event_time() override;
  result<std::vector<domain::event>, store_error> scan(const std::string& after_account_id,
                                                       std::int64_t after_version,
                                                       std::size_t limit) override;
  result<std::vector<domain::event>, store_error> read_at_one_instant(
      const std::vector<account_cursor>& cursors, std::size_t limit) override;
  result<std::optional<domain::state_snapshot>, store_error> latest_snapshot(
      const std::string& account_id, std::int64_t at_most_version) override;
  result<std::vector<domain::state_snapshot>, store_error> read_snapshots(
      const std::string& account_id, std::int64_t from_version, std::size_t limit) override;
  result<std::int64_t, store_error> version_at(const std::string& account_id,
                                               std::optional<domain::micros> at) override;
  result<std::vector<account_head>, store_error> heads(const std::string& after_account_id,
                                                       std::size_t limit) override;
  result<done, store_error> in_one_snapshot(const snapshot_reads& reads) override;

  // For tests: runs before every read, on the reading thread, so that a test can commit
  // (on another connection) between two reads, e.g. inside in_one_snapshot.
  void set_read_hook(std::function<void()> hook) { read_hook_ = std::move(hook); }

 private:
  enum class commit_state { committed, not_committed, unknown };

  // False when the fence refused the batch (nothing was written).
  bool write_batch(const append_batch& batch);
  commit_state resolve_ambiguous(const append_batch& batch);
  commit_state stored_as_written(const append_batch& batch);
  // Runs `query` (taking the transaction to read in) in the open snapshot when there is
  // one, else in a read-only transaction of its own, with driver errors turned into
  // store errors.
  template <class T, class Query>
  result<T, store_error> reading(const char* what, Query query);

  pg_connection db_;
  fault_hook hook_;
  std::function<void()> read_hook_;
  // The transaction of the in_one_snapshot() running now; null outside one.
  pqxx::transaction_base* snapshot_ = nullptr;
};

}  // namespace chronicle::persistence
