// chronicle migrate: applies the event store's and the read models' migrations.

#include <cstdio>
#include <utility>

#include "app/cli/command.hpp"
#include "persistence/migrate.hpp"

namespace chronicle::app::cli {

int migrate(int argc, char** argv) {
  std::optional<options> opts;
  if (auto stop =
          parse("migrate", "apply schema migrations.",
                {connection_option("admin-db", "CHRONICLE_ADMIN_DB", local_admin_db,
                                   "the event store, as the owner role"),
                 connection_option("state-admin-db", "CHRONICLE_STATE_ADMIN_DB",
                                   local_state_admin_db, "the read models, as the owner role")},
                argc, argv, opts)) {
    return *stop;
  }
  const std::pair<const char*, const std::vector<persistence::migration>*> sets[] = {
      {"admin-db", &persistence::events_migrations()},
      {"state-admin-db", &persistence::state_migrations()}};
  for (const auto& [option, migrations] : sets) {
    const auto applied = persistence::migrate(opts->get(option), *migrations);
    if (!applied) {
      std::fprintf(stderr, "chronicle migrate: %s\n", applied.error().c_str());
      return 1;
    }
    std::printf("%s: schema up to date, %d migration(s) applied now\n", option, *applied);
  }
  return 0;
}

}  // namespace chronicle::app::cli
