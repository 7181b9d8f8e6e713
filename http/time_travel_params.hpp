#pragma once

// Turns the query parameters of the time-travel routes (GET /accounts/:id/balance-at and
// /accounts/:id/history) into actor messages, or into the precise problem with them.
// Pure: no server, no actor, so it is unit-tested.

#include <optional>
#include <string>

#include "actors/messages.hpp"
#include "domain/result.hpp"
#include "http/errors.hpp"
#include "http/query_params.hpp"

namespace chronicle::http {

// An instant as a client writes it in a query string: ISO 8601 with 'Z' or an offset, and
// fractional seconds (domain::parse_client_instant). Form encoding turns a '+' that was
// not percent-encoded into a space, so a space where an offset's sign belongs is read as
// '+': "2026-11-26T10:48:37+00:00" works with or without encoding.
std::optional<domain::micros> parse_query_instant(std::string text);

// ?timestamp=<instant> or ?version=<1..>: exactly one of them. An instant after `now` (the
// node's clock) is refused: history after now is not written yet.
domain::result<actors::balance_at_query, problem> parse_balance_at(std::string account_id,
                                                                   const query_param& timestamp,
                                                                   const query_param& version,
                                                                   domain::micros now);

// ?from=&to= (instants, each optional, from <= to), &after= (a page's `next`, default 0),
// &limit= (1..persistence::history_entries_max, default 100).
domain::result<actors::history_query, problem> parse_history(std::string account_id,
                                                             const query_param& from,
                                                             const query_param& to,
                                                             const query_param& after,
                                                             const query_param& limit);

}  // namespace chronicle::http
