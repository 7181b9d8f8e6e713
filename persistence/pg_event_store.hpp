#pragma once

// The event store on a PostgreSQL-wire database (PostgreSQL or CockroachDB).
//
// Each instance owns one connection (pg_connection.hpp). Appends
// run SERIALIZABLE and are retried with jittered backoff on SQLSTATE 40001 and
// deadlocks. A connection lost during COMMIT is resolved by looking up the
// batch's first event id (or idempotency key) on a fresh connection.
// Reads at one instant run in one REPEATABLE READ READ ONLY transaction (one
// snapshot on PostgreSQL; CockroachDB runs it SERIALIZABLE), retried like
// appends on SQLSTATE 40001.

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

 private:
  enum class commit_state { committed, not_committed, unknown };

  void write_batch(const append_batch& batch);
  commit_state resolve_ambiguous(const append_batch& batch);

  pg_connection db_;
  fault_hook hook_;
};

}  // namespace chronicle::persistence
