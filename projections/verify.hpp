#pragma once

// verify: proves the event store and the read models are what they claim.
//
// For every account (or one): the hash chain links and every hash matches its
// event's stored bytes, versions run 1, 2, 3, … without a gap, and each read
// model equals the fold of the account's events up to that projection's
// checkpoint (so a projection that merely lags is not a mismatch; it is
// counted as lagging). Read-model rows of accounts the event store does not
// know are reported too. So are snapshots that differ from the fold of the
// events up to their version, whose hash is not that version's event's hash,
// or that have no such event. Every problem names the account, the version
// where it applies, and what was expected against what is stored.

#include <functional>
#include <string>
#include <vector>

#include "persistence/event_store.hpp"
#include "persistence/read_models.hpp"

namespace chronicle::projections {

struct verify_problem {
  std::string account_id;
  std::int64_t version = 0;  // 0 when the problem is not about one event
  std::string what;
};

struct verify_report {
  std::size_t accounts = 0;
  std::size_t events = 0;
  std::size_t lagging_accounts = 0;  // a projection's checkpoint is behind the history
  std::vector<verify_problem> problems;
};

// Called every few thousand events with the running report.
using verify_progress = std::function<void(const verify_report&)>;

persistence::result<verify_report, persistence::store_error> verify_all(
    persistence::event_store& events, persistence::read_model_queries& views,
    const verify_progress& progress);

persistence::result<verify_report, persistence::store_error> verify_account(
    persistence::event_store& events, persistence::read_model_queries& views,
    const std::string& account_id);

}  // namespace chronicle::projections
