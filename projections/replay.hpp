#pragma once

// replay: rebuilds read models from the event store while the live node keeps
// serving.
//
// It streams every event, in (account, version) order and in bounded pages,
// into fresh tables, swaps them in atomically, then catches up with what was
// committed meanwhile (events the live projection applied to the retired
// tables) through the ordinary checkpointed apply, so nothing is applied twice
// or lost. Progress is reported every page.

#include <chrono>
#include <functional>
#include <vector>

#include "persistence/event_store.hpp"
#include "persistence/read_models.hpp"

namespace chronicle::projections {

struct replay_report {
  std::size_t events = 0;     // streamed into the new tables
  std::size_t caught_up = 0;  // applied after the swap
  std::chrono::milliseconds elapsed{0};
};

using replay_progress = std::function<void(const replay_report&)>;

persistence::result<replay_report, persistence::store_error> replay(
    persistence::event_store& events, persistence::read_model_rebuild& rebuild,
    persistence::read_model_writer& live, const std::vector<persistence::projection>& selected,
    const replay_progress& progress);

}  // namespace chronicle::projections
