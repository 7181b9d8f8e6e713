#pragma once

// The outbox on a PostgreSQL-wire database: the `outbox` table of the event
// store, joined with `events`. Owns one connection of its own (pg_connection),
// so the relay never competes with the database workers for theirs.
//
// A claim is an open transaction that has locked its rows with
// `FOR UPDATE SKIP LOCKED`: another relay's claim passes over them without
// waiting (so relays never deadlock on the outbox), and the locks go with the
// transaction, when it ends or when the session dies. The transaction bounds
// its own idle time (idle_in_transaction_session_timeout = hold_ms), so the
// database ends the claim of a relay that hangs mid-publish.

#include <memory>
#include <pqxx/transaction>
#include <string>

#include "persistence/outbox.hpp"
#include "persistence/pg_connection.hpp"

namespace chronicle::persistence {

class pg_outbox_store final : public outbox_store {
 public:
  static constexpr int hold_ms_default = 10'000;

  explicit pg_outbox_store(std::string connection_string, int hold_ms = hold_ms_default);
  ~pg_outbox_store() override;

  result<std::vector<domain::event>, store_error> claim(std::size_t limit) override;
  result<done, store_error> remove(const std::vector<std::string>& event_ids) override;
  void release() override;

 private:
  pg_connection db_;
  int hold_ms_;
  // The open claim; declared after db_, so it ends before the connection goes.
  std::unique_ptr<pqxx::work> claim_;
};

}  // namespace chronicle::persistence
