#include "projections/verify_actor.hpp"

#include <caf/all.hpp>

namespace chronicle::projections {

verifier::behavior_type verifier_impl(
    verifier::stateful_pointer<verifier_state> self,
    std::function<std::unique_ptr<persistence::event_store>()> make_events,
    std::function<std::unique_ptr<persistence::read_model_queries>()> make_views) {
  self->state.events = make_events();
  self->state.views = make_views();
  return {
      [=](const verify_request& q) {
        auto report = verify_account(*self->state.events, *self->state.views, q.account_id);
        if (!report) return verify_answer{report.error(), {}};
        return verify_answer{std::nullopt, std::move(*report)};
      },
  };
}

}  // namespace chronicle::projections
