#pragma once

// One lazily opened PostgreSQL-wire connection, shared by the pg_* stores.
//
// The connection is opened on first use with the session settings every store
// relies on (UTC timestamps, a statement timeout) and discarded after any
// error, because libpqxx's automatic reactivation is not trusted. guarded()
// turns driver exceptions into store errors at this one boundary, and logs
// them without the connection string's secrets (domain/redact.hpp): a refused
// privilege names the role and what it was refused; a failing connection is
// logged once until it recovers or fails differently.

#include <cstdio>
#include <memory>
#include <pqxx/connection>
#include <pqxx/except>
#include <string>

#include "domain/redact.hpp"
#include "persistence/event_store.hpp"

namespace chronicle::persistence {

class pg_connection {
 public:
  explicit pg_connection(std::string connection_string);

  // The open connection; throws pqxx::broken_connection when it cannot open.
  pqxx::connection& get();
  void reset() { connection_.reset(); }
  // Whether a connection is open now (without opening one).
  bool connected() const { return connection_ && connection_->is_open(); }

  // Runs `work` (which returns result<T, store_error> or a T); a lost
  // connection becomes unavailable, anything else failed, and either way the
  // connection is discarded.
  template <class T, class F>
  result<T, store_error> guarded(const char* what, F&& work) {
    try {
      result<T, store_error> out = work();
      last_failure_.clear();
      return out;
    } catch (const pqxx::broken_connection& e) {
      report_unavailable(what, e.what());
      reset();
      return failure(store_error::unavailable);
    } catch (const pqxx::insufficient_privilege& e) {
      report_refused(what, e.what());
      reset();
      return failure(store_error::failed);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "postgres: %s failed: %s\n", what, redacted(e.what()).c_str());
      reset();
      return failure(store_error::failed);
    }
  }

  // `text` without this connection's secrets.
  std::string redacted(const std::string& text) const;
  // The role this connection logs in as (its "user"), for messages.
  std::string role() const;
  // Log a lost or unopenable connection (once until it changes) and a refused
  // privilege, for stores that catch driver exceptions themselves.
  void report_unavailable(const char* what, const std::string& message);
  void report_refused(const char* what, const std::string& message) const;

 private:
  std::string connection_string_;
  std::string last_failure_;
  std::unique_ptr<pqxx::connection> connection_;
};

// "($1,...,$width),($width+1,...)" for `rows` rows; casts[c], when given, is
// appended to the c-th placeholder of each row.
std::string values_clause(std::size_t rows, std::size_t width, const char* const* casts);

}  // namespace chronicle::persistence
