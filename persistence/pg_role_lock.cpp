#include "persistence/pg_role_lock.hpp"

#include <pqxx/pqxx>

#include "persistence/pg_statements.hpp"

namespace chronicle::persistence {

pg_role_lock::pg_role_lock(std::string connection_string, std::int64_t key)
    : db_{std::move(connection_string)}, key_{key} {}

pg_role_lock::~pg_role_lock() {
  release();
}

result<bool, store_error> pg_role_lock::hold() {
  auto out = db_.guarded<bool>("role lock", [&]() -> result<bool, store_error> {
    // A new connection is a new session: whatever the old one held is gone with it.
    const bool fresh = !db_.connected();
    pqxx::nontransaction txn{db_.get()};
    if (held_ && !fresh) {
      txn.exec(sql::session_alive());
      return true;
    }
    if (!txn.exec_params1(sql::try_role_lock(), key_)[0].as<bool>()) return false;
    txn.exec(sql::role_session_keepalives());
    return true;
  });
  held_ = out.ok() && *out;
  return out;
}

void pg_role_lock::release() {
  held_ = false;
  // Ending the session frees its advisory locks: no unlock statement can be lost.
  db_.reset();
}

}  // namespace chronicle::persistence
