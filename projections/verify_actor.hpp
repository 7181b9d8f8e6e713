#pragma once

// The verifier: a detached actor (its reads block) that checks one account on request, as
// `chronicle verify --account` does (verify.hpp): the hash chain, versions without a gap,
// the snapshots and the read models against the fold of the events. A node spawns one and
// serves GET /accounts/:id/verify from it, with its own read-only connections.

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/typed_actor.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "persistence/event_store.hpp"
#include "persistence/read_models.hpp"
#include "projections/verify.hpp"

namespace chronicle::projections {

struct verify_request {
  std::string account_id;
};

struct verify_answer {
  std::optional<persistence::store_error> error;  // set: the check could not run
  verify_report report;
};

using verifier = caf::typed_actor<caf::replies_to<verify_request>::with<verify_answer>>;

struct verifier_state {
  std::unique_ptr<persistence::event_store> events;
  std::unique_ptr<persistence::read_model_queries> views;

  static inline const char* name = "verifier";
};

verifier::behavior_type verifier_impl(
    verifier::stateful_pointer<verifier_state> self,
    std::function<std::unique_ptr<persistence::event_store>()> make_events,
    std::function<std::unique_ptr<persistence::read_model_queries>()> make_views);

}  // namespace chronicle::projections

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chronicle::projections::verify_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chronicle::projections::verify_answer)
