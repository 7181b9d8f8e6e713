#pragma once

// What the checker needs from the event store, computed from an account's
// events: the fold's balance after every version, each event's command_id and
// (for a transfer's legs) transfer_id. Pure.

#include <string>
#include <vector>

#include "consistency/checker.hpp"
#include "domain/account.hpp"
#include "domain/result.hpp"

namespace chronicle::consistency {

// `events`: one account's history from version 1, in order. Fails with a
// message when the versions are not 1, 2, 3, … (`chronicle verify` checks the
// hash chain; this only needs the order).
domain::result<std::vector<stored_event>, std::string> fold_account(
    const std::vector<domain::event>& events);

}  // namespace chronicle::consistency
