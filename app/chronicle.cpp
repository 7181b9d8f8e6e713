// chronicle: the operator's command-line tool. Wiring only.

#include <cstdio>
#include <string>

#include "app/options.hpp"
#include "persistence/migrate.hpp"
#include "persistence/pg_event_store.hpp"
#include "persistence/pg_read_models.hpp"
#include "projections/replay.hpp"
#include "projections/verify.hpp"

namespace {

using namespace chronicle;

constexpr const char* overview =
    "chronicle: ChronicleLedger's operator tool.\n\n"
    "Commands:\n"
    "  migrate   apply the event store's and read models' migrations (idempotent)\n"
    "  verify    check hash chains, versions and read models; exit 1 on any mismatch\n"
    "  replay    rebuild read models from the event store and swap them in\n"
    "\n"
    "Run 'chronicle COMMAND --help' for a command's options.\n";

const app::option_spec events_db_option{"events-db", "CHRONICLE_EVENTS_DB", app::local_events_db,
                                        "connection string of the event store"};

// Parses a command's options; answers an exit code when the command should
// stop here (bad options: 2, --help: 0).
std::optional<int> parse(const char* command, const char* summary,
                         std::vector<app::option_spec> specs, int argc, char** argv,
                         std::optional<app::options>& out) {
  auto opts = app::options::parse(std::move(specs), argc, argv, 2);
  if (!opts) {
    std::fprintf(stderr, "chronicle %s: %s\n", command, opts.error().c_str());
    return 2;
  }
  if (opts->help_requested()) {
    std::printf("chronicle %s: %s\n\n%s", command, summary, opts->usage().c_str());
    return 0;
  }
  out = std::move(*opts);
  return std::nullopt;
}

int migrate(int argc, char** argv) {
  std::optional<app::options> opts;
  if (auto stop = parse("migrate", "apply schema migrations.",
                        {{"admin-db", "CHRONICLE_ADMIN_DB", app::local_admin_db,
                          "connection string of the owner role of the event store"},
                         {"state-admin-db", "CHRONICLE_STATE_ADMIN_DB", app::local_state_admin_db,
                          "connection string of the owner role of the read models"}},
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

void print_problems(const projections::verify_report& report) {
  for (const auto& p : report.problems) {
    if (p.version != 0) {
      std::printf("MISMATCH account %s version %lld: %s\n", p.account_id.c_str(),
                  static_cast<long long>(p.version), p.what.c_str());
    } else {
      std::printf("MISMATCH account %s: %s\n", p.account_id.c_str(), p.what.c_str());
    }
  }
}

int verify(int argc, char** argv) {
  std::optional<app::options> opts;
  if (auto stop = parse("verify",
                        "check every account's hash chain and versions, and that each read "
                        "model equals the fold of its events.",
                        {events_db_option,
                         {"state-db", "CHRONICLE_STATE_DB", app::local_state_db,
                          "connection string of the read models"},
                         {"account", "", "", "check only this account"}},
                        argc, argv, opts)) {
    return *stop;
  }
  persistence::pg_event_store events{opts->get("events-db")};
  persistence::pg_read_models views{opts->get("state-db")};
  const auto& account = opts->get("account");
  const auto report =
      account.empty()
          ? projections::verify_all(events, views,
                                    [](const projections::verify_report& r) {
                                      std::fprintf(stderr, "\rverify: %zu accounts, %zu events",
                                                   r.accounts, r.events);
                                    })
          : projections::verify_account(events, views, account);
  if (account.empty()) std::fprintf(stderr, "\n");
  if (!report) {
    std::fprintf(stderr, "chronicle verify: %s\n",
                 std::string{persistence::describe(report.error())}.c_str());
    return 2;
  }
  print_problems(*report);
  std::printf("verified %zu accounts, %zu events: %zu problem(s)", report->accounts, report->events,
              report->problems.size());
  if (report->lagging_accounts != 0) {
    std::printf("; %zu account(s) not fully projected yet", report->lagging_accounts);
  }
  std::printf("\n");
  return report->problems.empty() ? 0 : 1;
}

int replay(int argc, char** argv) {
  std::optional<app::options> opts;
  if (auto stop = parse("replay",
                        "rebuild read models from the event store into fresh tables and swap "
                        "them in; the live node keeps serving.",
                        {events_db_option,
                         {"state-admin-db", "CHRONICLE_STATE_ADMIN_DB", app::local_state_admin_db,
                          "connection string of the read models' owner role"},
                         {"projection", "", "", "balances, transactions or timeline; empty: all"}},
                        argc, argv, opts)) {
    return *stop;
  }
  std::vector<persistence::projection> selected{persistence::all_projections.begin(),
                                                persistence::all_projections.end()};
  if (const auto& name = opts->get("projection"); !name.empty()) {
    const auto p = persistence::projection_from_name(name);
    if (!p) {
      std::fprintf(stderr, "chronicle replay: unknown projection '%s'\n", name.c_str());
      return 2;
    }
    selected = {*p};
  }
  persistence::pg_event_store events{opts->get("events-db")};
  persistence::pg_read_models rebuild{opts->get("state-admin-db")};
  persistence::pg_read_models live{opts->get("state-admin-db")};
  const auto report =
      projections::replay(events, rebuild, live, selected, [](const projections::replay_report& r) {
        const double seconds = static_cast<double>(r.elapsed.count()) / 1000.0;
        std::fprintf(stderr, "\rreplay: %zu events streamed (%.0f events/s)", r.events,
                     seconds > 0 ? static_cast<double>(r.events) / seconds : 0.0);
      });
  if (!report) {
    std::fprintf(stderr, "\nchronicle replay: %s; the live read models are unchanged\n",
                 std::string{persistence::describe(report.error())}.c_str());
    return 1;
  }
  const double seconds = static_cast<double>(report->elapsed.count()) / 1000.0;
  std::fprintf(stderr, "\n");
  std::printf("replayed %zu events in %.2f s (%.0f events/s); %zu caught up after the swap\n",
              report->events, seconds,
              seconds > 0 ? static_cast<double>(report->events) / seconds : 0.0, report->caught_up);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string command = argc > 1 ? argv[1] : "";
  if (command == "migrate") return migrate(argc, argv);
  if (command == "verify") return verify(argc, argv);
  if (command == "replay") return replay(argc, argv);
  if (command.empty() || command == "help" || command == "--help") {
    std::printf("%s", overview);
    return command.empty() ? 2 : 0;
  }
  std::fprintf(stderr, "chronicle: unknown command '%s'\n\n%s", command.c_str(), overview);
  return 2;
}
