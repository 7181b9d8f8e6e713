#include "projections/replay.hpp"

#include <map>

namespace chronicle::projections {
namespace {

using persistence::failure;
using persistence::store_error;
using clock_type = std::chrono::steady_clock;

// Calls `each` with every page of the event store, in order.
template <class F>
persistence::result<bool, store_error> for_each_page(persistence::event_store& events, F each) {
  std::string after_id;
  std::int64_t after_version = 0;
  for (;;) {
    auto page = events.scan(after_id, after_version, persistence::read_events_max);
    if (!page) return failure(page.error());
    if (page->empty()) return true;
    if (auto done = each(*page); !done) return failure(done.error());
    if (page->size() < persistence::read_events_max) return true;
    after_id = page->back().account_id;
    after_version = page->back().version;
  }
}

}  // namespace

persistence::result<replay_report, store_error> replay(
    persistence::event_store& events, persistence::read_model_rebuild& rebuild,
    persistence::read_model_writer& live, const std::vector<persistence::projection>& selected,
    const replay_progress& progress) {
  const auto started = clock_type::now();
  replay_report report;
  auto elapsed = [&] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - started);
  };
  if (auto begun = rebuild.begin(selected); !begun) return failure(begun.error());
  auto streamed = for_each_page(events, [&](const std::vector<domain::event>& page) {
    auto loaded = rebuild.load(page);
    if (!loaded) return persistence::result<bool, store_error>{failure(loaded.error())};
    report.events += page.size();
    report.elapsed = elapsed();
    if (progress) progress(report);
    return persistence::result<bool, store_error>{true};
  });
  if (!streamed) return failure(streamed.error());
  if (auto swapped = rebuild.swap_in(); !swapped) return failure(swapped.error());
  // Whatever was committed after its page was streamed is still missing from
  // the new tables: apply it through the checkpoints, like the live projection.
  auto caught = for_each_page(events, [&](const std::vector<domain::event>& page) {
    std::vector<std::string> ids;
    for (const auto& e : page) {
      if (ids.empty() || ids.back() != e.account_id) ids.push_back(e.account_id);
    }
    const auto checkpoints = live.checkpoints(ids);
    if (!checkpoints) return persistence::result<bool, store_error>{failure(checkpoints.error())};
    std::vector<domain::event> missing;
    for (const auto& e : page) {
      if (e.version > checkpoints->at(e.account_id)) missing.push_back(e);
    }
    auto applied = live.apply(missing);
    if (!applied) return persistence::result<bool, store_error>{failure(applied.error())};
    report.caught_up += *applied;
    return persistence::result<bool, store_error>{true};
  });
  if (!caught) return failure(caught.error());
  report.elapsed = elapsed();
  return report;
}

}  // namespace chronicle::projections
