#pragma once

// One lazily opened PostgreSQL-wire connection, shared by the pg_* stores.
//
// The connection is opened on first use with the session settings every store
// relies on (UTC timestamps, a statement timeout) and discarded after any
// error, because libpqxx's automatic reactivation is not trusted. guarded()
// turns driver exceptions into store errors at this one boundary.

#include <cstdio>
#include <memory>
#include <pqxx/connection>
#include <pqxx/except>
#include <string>

#include "persistence/event_store.hpp"

namespace chronicle::persistence {

class pg_connection {
 public:
  explicit pg_connection(std::string connection_string);

  // The open connection; throws pqxx::broken_connection when it cannot open.
  pqxx::connection& get();
  void reset() { connection_.reset(); }

  // Runs `work` (which returns result<T, store_error> or a T); a lost
  // connection becomes unavailable, anything else failed, and either way the
  // connection is discarded.
  template <class T, class F>
  result<T, store_error> guarded(const char* what, F&& work) {
    try {
      return work();
    } catch (const pqxx::broken_connection&) {
      reset();
      return failure(store_error::unavailable);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "postgres: %s failed: %s\n", what, e.what());
      reset();
      return failure(store_error::failed);
    }
  }

 private:
  std::string connection_string_;
  std::unique_ptr<pqxx::connection> connection_;
};

// "($1,...,$width),($width+1,...)" for `rows` rows; casts[c], when given, is
// appended to the c-th placeholder of each row.
std::string values_clause(std::size_t rows, std::size_t width, const char* const* casts);

}  // namespace chronicle::persistence
