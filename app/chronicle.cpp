// chronicle: the operator's command-line tool. Wiring only.

#include <cstdio>
#include <string>

#include "app/options.hpp"
#include "persistence/migrate.hpp"

namespace {

using namespace chronicle;

constexpr const char* overview =
    "chronicle: ChronicleLedger's operator tool.\n\n"
    "Commands:\n"
    "  migrate   apply the event store's and read models' migrations (idempotent)\n"
    "\n"
    "Run 'chronicle COMMAND --help' for a command's options.\n";

int migrate(int argc, char** argv) {
  auto opts = app::options::parse(
      {{"admin-db", "CHRONICLE_ADMIN_DB", app::local_admin_db,
        "connection string of the owner role of the event store"},
       {"state-admin-db", "CHRONICLE_STATE_ADMIN_DB", app::local_state_admin_db,
        "connection string of the owner role of the read models"}},
      argc, argv, 2);
  if (!opts) {
    std::fprintf(stderr, "chronicle migrate: %s\n", opts.error().c_str());
    return 2;
  }
  if (opts->help_requested()) {
    std::printf("chronicle migrate: apply schema migrations.\n\n%s", opts->usage().c_str());
    return 0;
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

}  // namespace

int main(int argc, char** argv) {
  const std::string command = argc > 1 ? argv[1] : "";
  if (command == "migrate") return migrate(argc, argv);
  if (command.empty() || command == "help" || command == "--help") {
    std::printf("%s", overview);
    return command.empty() ? 2 : 0;
  }
  std::fprintf(stderr, "chronicle: unknown command '%s'\n\n%s", command.c_str(), overview);
  return 2;
}
