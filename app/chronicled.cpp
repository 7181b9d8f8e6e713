// chronicled: one ledger node. Wiring only: options, migrations, actors, HTTP.

#include <unistd.h>
#include <caf/all.hpp>
#include <csignal>
#include <cstdio>
#include <thread>

#include "actors/account_registry.hpp"
#include "app/options.hpp"
#include "http/server.hpp"
#include "persistence/migrate.hpp"
#include "persistence/pg_event_store.hpp"

namespace {

using namespace chronicle;

constexpr int migrate_attempts_max = 10;

std::vector<app::option_spec> option_specs() {
  return {
      {"http-address", "CHRONICLE_HTTP_ADDRESS", "127.0.0.1", "address the HTTP API listens on"},
      {"http-port", "CHRONICLE_HTTP_PORT", "8080", "port the HTTP API listens on"},
      {"events-db", "CHRONICLE_EVENTS_DB", app::local_events_db,
       "libpq connection string of the event store (application role)"},
      {"admin-db", "CHRONICLE_ADMIN_DB", app::local_admin_db,
       "owner role's connection to the event store, to apply migrations at start; empty: skip"},
      {"state-db", "CHRONICLE_STATE_DB", app::local_state_db,
       "libpq connection string of the read models (application role)"},
      {"state-admin-db", "CHRONICLE_STATE_ADMIN_DB", app::local_state_admin_db,
       "owner role's connection to the read models, to apply migrations at start; empty: skip"},
      {"nats", "CHRONICLE_NATS", app::local_nats, "NATS server URL(s), comma-separated"},
      {"node-id", "CHRONICLE_NODE_ID", "node-1", "this node's name in health reports"},
      {"db-connections", "CHRONICLE_DB_CONNECTIONS", "8",
       "database workers (one connection and one thread each)"},
      {"http-threads", "CHRONICLE_HTTP_THREADS", "2", "HTTP io threads"},
      {"live-accounts-max", "CHRONICLE_LIVE_ACCOUNTS_MAX", "100000",
       "account actors kept in memory before the least recently used is passivated"},
      {"batch-commands-max", "CHRONICLE_BATCH_COMMANDS_MAX", "256",
       "commands of one account decided and committed in one transaction (1: no group commit)"},
  };
}

bool run_migrations(const char* what, const std::string& admin_db,
                    const std::vector<persistence::migration>& all) {
  if (admin_db.empty()) return true;
  for (int attempt = 1; attempt <= migrate_attempts_max; ++attempt) {
    const auto applied = persistence::migrate(admin_db, all);
    if (applied) {
      std::fprintf(stderr, "chronicled: %s schema up to date (%d migrations applied now)\n", what,
                   *applied);
      return true;
    }
    std::fprintf(stderr, "chronicled: %s (attempt %d of %d)\n", applied.error().c_str(), attempt,
                 migrate_attempts_max);
    std::this_thread::sleep_for(std::chrono::seconds{1});
  }
  return false;
}

int run(const app::options& opts) {
  const auto port = opts.integer("http-port", 1, 65535);
  const auto connections = opts.integer("db-connections", 1, 64);
  const auto http_threads = opts.integer("http-threads", 1, 64);
  const auto live_max = opts.integer("live-accounts-max", 1, 10'000'000);
  const auto batch_max = opts.integer("batch-commands-max", 1, 4096);
  for (const auto* r : {&port, &connections, &http_threads, &live_max, &batch_max}) {
    if (!*r) {
      std::fprintf(stderr, "chronicled: %s\n", r->error().c_str());
      return 2;
    }
  }
  if (!run_migrations("event store", opts.get("admin-db"), persistence::events_migrations()) ||
      !run_migrations("read model", opts.get("state-admin-db"), persistence::state_migrations())) {
    return 1;
  }

  // Signals are taken by sigwait below; block them before any thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  caf::actor_system_config cfg;
  caf::actor_system system{cfg};
  std::vector<actors::db_worker> workers;
  const std::string events_db = opts.get("events-db");
  for (long long i = 0; i < *connections; ++i) {
    workers.push_back(system.spawn<caf::detached>(
        actors::db_worker_impl, actors::store_factory{[events_db] {
          return std::make_unique<persistence::pg_event_store>(events_db);
        }}));
  }
  actors::registry_limits limits;
  limits.live_accounts_max = static_cast<std::size_t>(*live_max);
  limits.account.batch_commands_max = static_cast<std::size_t>(*batch_max);
  auto registry = system.spawn(actors::account_registry_impl, workers, limits);

  http::server_config http_config;
  http_config.address = opts.get("http-address");
  http_config.port = static_cast<std::uint16_t>(*port);
  http_config.io_threads = static_cast<std::size_t>(*http_threads);
  http_config.node_id = opts.get("node-id");
  auto server = http::server::start(system, registry, http_config);
  if (!server) {
    std::fprintf(stderr, "chronicled: %s\n", server.error().c_str());
    caf::anon_send_exit(registry, caf::exit_reason::user_shutdown);
    for (auto& w : workers) caf::anon_send_exit(w, caf::exit_reason::user_shutdown);
    return 1;
  }
  std::printf("chronicled %s listening on http://%s:%lld/\n", http_config.node_id.c_str(),
              http_config.address.c_str(), *port);
  std::fflush(stdout);

  int received = 0;
  sigwait(&signals, &received);
  std::fprintf(stderr, "chronicled: signal %d, shutting down\n", received);
  server.value().reset();
  caf::anon_send_exit(registry, caf::exit_reason::user_shutdown);
  for (auto& w : workers) caf::anon_send_exit(w, caf::exit_reason::user_shutdown);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  auto opts = chronicle::app::options::parse(option_specs(), argc, argv);
  if (!opts) {
    std::fprintf(stderr, "chronicled: %s (try --help)\n", opts.error().c_str());
    return 2;
  }
  if (opts->help_requested()) {
    std::printf("chronicled: a ChronicleLedger node.\n\n%s", opts->usage().c_str());
    return 0;
  }
  return run(*opts);
}
