#pragma once

// What the role behind a connection string may do, checked when a node starts:
// a connection string that names the wrong role fails at once, with a message
// saying which privilege is missing, or which one is held that must not be
// (a role that can rewrite history breaks invariant 1), instead of at the
// first write. The requirements mirror the grants of migration 003 and
// docs/SECURITY.md, "Database roles".
//
// Portable: has_table_privilege() exists in PostgreSQL and CockroachDB.

#include <string>
#include <vector>

#include "persistence/event_store.hpp"

namespace chronicle::persistence {

struct table_privileges {
  std::vector<std::string> tables;
  std::vector<std::string> privileges;  // SELECT, INSERT, UPDATE, DELETE, TRUNCATE
};

struct role_requirements {
  std::vector<table_privileges> needed;     // every table has every privilege
  std::vector<table_privileges> forbidden;  // no table has any of them
};

// The application's commands, outbox relay and strong reads on the event store.
role_requirements application_on_events();
// The application's queries on the read models.
role_requirements application_on_read_models();
// The projection's gap fill (and replay) on the event store.
role_requirements projector_on_events();
// The projection's (and replay's) writes to the read models.
role_requirements projector_on_read_models();

struct privilege_check {
  std::string role;  // the role the connection logs in as
  // One per privilege, e.g. "lacks INSERT on events, commands", "may UPDATE events".
  std::vector<std::string> problems;
};

// Fails with store_error::unavailable when the database cannot be reached
// (the caller may go on: the stores retry), store_error::failed when the
// check itself fails (e.g. a table does not exist: migrations not applied);
// both are logged, without secrets, by pg_connection.
result<privilege_check, store_error> check_privileges(const std::string& connection_string,
                                                      const role_requirements& requirements);

}  // namespace chronicle::persistence
