#pragma once

// Schema migrations, applied in order by the database owner role.
//
// Promises: migrate() is idempotent and safe to run from several nodes at once:
// each migration runs in its own transaction together with its row in
// schema_migrations, so it is applied exactly once. It returns how many
// migrations it applied now, or a message saying what failed.

#include <string>
#include <vector>

#include "domain/result.hpp"

namespace chronicle::persistence {

struct migration {
  int number;
  const char* name;
  const char* sql;
};

// Generated at build time from persistence/migrations/events/*.sql and
// persistence/migrations/state/*.sql.
const std::vector<migration>& events_migrations();
const std::vector<migration>& state_migrations();

domain::result<int, std::string> migrate(const std::string& owner_connection,
                                         const std::vector<migration>& all);

}  // namespace chronicle::persistence
