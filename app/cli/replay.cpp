// chronicle replay: rebuilds the read models from the event store and swaps them in.

#include <cstdio>
#include <string>
#include <vector>

#include "app/cli/command.hpp"
#include "persistence/pg_event_store.hpp"
#include "persistence/pg_read_models.hpp"
#include "projections/replay.hpp"

namespace chronicle::app::cli {

int replay(int argc, char** argv) {
  std::optional<options> opts;
  if (auto stop = parse("replay",
                        "rebuild read models from the event store into the *_rebuild tables and "
                        "swap the rows in; the live node keeps serving.",
                        {connection_option("projector-events-db", "CHRONICLE_PROJECTOR_EVENTS_DB",
                                           local_projector_events_db,
                                           "the event store, as the read-model writer role"),
                         connection_option("projector-state-db", "CHRONICLE_PROJECTOR_STATE_DB",
                                           local_projector_state_db,
                                           "the read models, as the read-model writer role"),
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
  persistence::pg_event_store events{opts->get("projector-events-db")};
  persistence::pg_read_models rebuild{opts->get("projector-state-db")};
  persistence::pg_read_models live{opts->get("projector-state-db")};
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

}  // namespace chronicle::app::cli
