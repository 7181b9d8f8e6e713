#pragma once

// The outbox on a PostgreSQL-wire database: the `outbox` table of the event
// store, joined with `events`. Owns one connection of its own (pg_connection),
// so the relay never competes with the database workers for theirs.

#include <string>

#include "persistence/outbox.hpp"
#include "persistence/pg_connection.hpp"

namespace chronicle::persistence {

class pg_outbox_store final : public outbox_store {
 public:
  explicit pg_outbox_store(std::string connection_string);

  result<std::vector<domain::event>, store_error> pending(std::size_t limit) override;
  result<done, store_error> remove(const std::vector<std::string>& event_ids) override;

 private:
  pg_connection db_;
};

}  // namespace chronicle::persistence
