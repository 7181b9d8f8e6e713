#include "actors/query_worker.hpp"

#include <caf/all.hpp>

namespace chronicle::actors {

query_worker::behavior_type query_worker_impl(
    query_worker::stateful_pointer<query_worker_state> self,
    std::function<std::unique_ptr<persistence::read_model_queries>()> make_views,
    store_factory make_events) {
  self->state.views = make_views();
  self->state.events = make_events();
  return {
      [=](const read_account& q) {
        const auto row = self->state.views->account(q.account_id);
        if (!row) return account_view{to_query_status(row.error()), {}};
        if (!row->has_value()) return account_view{query_status::not_found, {}};
        return account_view{query_status::ok, **row};
      },
      [=](const persistence::account_filter& f) {
        auto rows = self->state.views->accounts(f);
        if (!rows) return accounts_page{to_query_status(rows.error()), {}};
        return accounts_page{query_status::ok, std::move(*rows)};
      },
      [=](const transactions_query& q) {
        const auto known = self->state.views->account(q.account_id);
        if (!known) return transactions_page{to_query_status(known.error()), {}};
        if (!known->has_value()) return transactions_page{query_status::not_found, {}};
        auto rows = self->state.views->transactions(q.account_id, q.before_version, q.limit);
        if (!rows) return transactions_page{to_query_status(rows.error()), {}};
        return transactions_page{query_status::ok, std::move(*rows)};
      },
      [=](const persistence::timeline_query& q) {
        auto rows = self->state.views->timeline(q);
        if (!rows) return timeline_page{to_query_status(rows.error()), {}};
        return timeline_page{query_status::ok, std::move(*rows)};
      },
      [=](progress_atom) {
        progress_report report;
        auto progress = self->state.views->progress();
        report.read_models_up = progress.ok();
        if (progress) report.projections = std::move(*progress);
        const auto newest = self->state.events->newest_event_time();
        report.event_store_up = newest.ok();
        if (newest) report.newest_event_at = *newest;
        return report;
      },
  };
}

}  // namespace chronicle::actors
