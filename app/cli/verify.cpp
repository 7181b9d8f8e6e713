// chronicle verify: hash chains, versions, snapshots and read models against the event store.

#include <cstdio>
#include <string>

#include "app/cli/command.hpp"
#include "persistence/pg_event_store.hpp"
#include "persistence/pg_read_models.hpp"
#include "projections/verify.hpp"

namespace chronicle::app::cli {
namespace {

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

}  // namespace

int verify(int argc, char** argv) {
  std::optional<options> opts;
  if (auto stop = parse("verify",
                        "check every account's hash chain and versions, and that each "
                        "snapshot and read model equals the fold of its events.",
                        {auditor_events_db_option(),
                         connection_option("auditor-state-db", "CHRONICLE_AUDITOR_STATE_DB",
                                           local_auditor_state_db,
                                           "the read models, as the read-only auditor role"),
                         {"account", "", "", "check only this account"}},
                        argc, argv, opts)) {
    return *stop;
  }
  persistence::pg_event_store events{opts->get("auditor-events-db")};
  persistence::pg_read_models views{opts->get("auditor-state-db")};
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

}  // namespace chronicle::app::cli
