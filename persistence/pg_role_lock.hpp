#pragma once

// A role held as a PostgreSQL session-level advisory lock (pg_try_advisory_lock) on a
// connection of its own. The lock lives exactly as long as that session: when the holding
// process dies, its socket closes and PostgreSQL ends the session and frees the lock at once.
// The session also asks the server to probe an idle client (TCP keepalives: 5 s idle, then
// every 1 s, 3 probes), so a holder cut off by the network loses the lock within ~8 s.
//
// Used on the read-model database only, which is PostgreSQL in every topology (advisory locks
// are not part of the portable SQL the event store keeps to).

#include <cstdint>
#include <string>

#include "persistence/pg_connection.hpp"
#include "persistence/role_lock.hpp"

namespace chronicle::persistence {

class pg_role_lock final : public role_lock {
 public:
  pg_role_lock(std::string connection_string, std::int64_t key);
  ~pg_role_lock() override;

  result<bool, store_error> hold() override;
  void release() override;

 private:
  pg_connection db_;
  std::int64_t key_;
  bool held_ = false;
};

}  // namespace chronicle::persistence
