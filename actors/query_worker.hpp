#pragma once

// A query worker: serves reads from the read models (and the event store's
// newest event time, for lag) on a thread of its own. Spawn it with
// caf::detached; HTTP spreads queries over a few of them.

#include <caf/typed_actor.hpp>
#include <functional>
#include <memory>

#include "actors/db_worker.hpp"
#include "actors/messages.hpp"
#include "persistence/read_models.hpp"

namespace chronicle::actors {

using progress_atom = caf::atom_constant<caf::atom("progress")>;

struct read_account {
  std::string account_id;
};

struct accounts_page {
  query_status status = query_status::failed;
  std::vector<domain::account_state> accounts;
};

struct transactions_query {
  std::string account_id;
  std::int64_t before_version = 0;
  std::size_t limit = 100;
};

struct transactions_page {
  query_status status = query_status::failed;  // not_found when the account is unknown
  std::vector<persistence::transaction_row> rows;
};

struct timeline_page {
  query_status status = query_status::failed;
  std::vector<persistence::timeline_row> rows;
};

struct progress_report {
  bool read_models_up = false;
  bool event_store_up = false;
  domain::micros newest_event_at = 0;
  std::vector<persistence::projection_progress> projections;
};

using query_worker =
    caf::typed_actor<caf::replies_to<read_account>::with<account_view>,
                     caf::replies_to<persistence::account_filter>::with<accounts_page>,
                     caf::replies_to<transactions_query>::with<transactions_page>,
                     caf::replies_to<persistence::timeline_query>::with<timeline_page>,
                     caf::replies_to<progress_atom>::with<progress_report>>;

struct query_worker_state {
  std::unique_ptr<persistence::read_model_queries> views;
  std::unique_ptr<persistence::event_store> events;

  static inline const char* name = "query_worker";
};

query_worker::behavior_type query_worker_impl(
    query_worker::stateful_pointer<query_worker_state> self,
    std::function<std::unique_ptr<persistence::read_model_queries>()> make_views,
    store_factory make_events);

}  // namespace chronicle::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chronicle::actors::read_account)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chronicle::actors::accounts_page)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chronicle::actors::transactions_query)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chronicle::actors::transactions_page)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chronicle::actors::timeline_page)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chronicle::actors::progress_report)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chronicle::persistence::account_filter)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chronicle::persistence::timeline_query)
