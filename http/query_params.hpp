#pragma once

// Turns the query parameters of the read routes (GET /accounts, /accounts/snapshot,
// /accounts/:id/transactions, /accounts/:id/events, /events) into the messages the bridge
// sends on, or into the precise problem with them (400 INVALID_FIELD or MISSING_FIELD).
// Pure: no server, no actor, so it is unit-tested (tests/unit/query_params_test.cpp). The
// time-travel routes have their own in time_travel_params.hpp.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "actors/messages.hpp"
#include "actors/query_worker.hpp"
#include "domain/result.hpp"
#include "http/errors.hpp"
#include "persistence/read_models.hpp"

namespace chronicle::http {

// A query parameter, percent-decoded; nullopt when the query string does not have it.
using query_param = std::optional<std::string>;

// A decimal integer of at most 18 digits in [low, high], or nullopt.
std::optional<std::int64_t> parse_integer(std::string_view text, std::int64_t low,
                                          std::int64_t high);

// `value` as an integer in [low, high]; `fallback` when absent. The error names `name`.
domain::result<std::int64_t, std::string> integer_param(const query_param& value,
                                                        std::string_view name,
                                                        std::int64_t fallback, std::int64_t low,
                                                        std::int64_t high);

// GET /accounts?owner=&status=&after=&limit=
domain::result<persistence::account_filter, problem> parse_account_list(const query_param& owner,
                                                                        const query_param& status,
                                                                        const query_param& after,
                                                                        const query_param& limit);

// GET /accounts/snapshot?ids=a,b,c: 1 to snapshot_accounts_max valid ids; a repeated id
// counts once.
domain::result<actors::snapshot_query, problem> parse_snapshot_ids(const query_param& ids);

// GET /accounts/:id/transactions?before=&limit=
domain::result<actors::transactions_query, problem> parse_transactions(std::string account_id,
                                                                       const query_param& before,
                                                                       const query_param& limit);

// GET /accounts/:id/events?from_version=&limit=
domain::result<actors::events_query, problem> parse_events(std::string account_id,
                                                           const query_param& from_version,
                                                           const query_param& limit);

// GET /events?order=&after=&limit=
domain::result<persistence::timeline_query, problem> parse_timeline(const query_param& order,
                                                                    const query_param& after,
                                                                    const query_param& limit);

}  // namespace chronicle::http
