#pragma once

// How read results look on the wire: JSON bodies for accounts, transactions,
// the timeline and health, the Prometheus text of /metrics, and the opaque
// timeline cursor. Pure functions, unit-tested.

#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "actors/query_worker.hpp"
#include "domain/account.hpp"
#include "http/errors.hpp"
#include "http/node_state.hpp"
#include "persistence/read_models.hpp"

namespace chronicle::http {

// `consistency` is "strong" (answered from the event store by the account's
// actor) or "eventual" (from the read model).
nlohmann::json account_json(const domain::account_state& s, std::string_view consistency);
nlohmann::json transaction_json(const persistence::transaction_row& r);
// The body of GET /accounts/snapshot: the known accounts in the order asked
// (account_id, balance, version, currency), the unknown ids under "missing".
nlohmann::json snapshot_json(const std::vector<domain::account_state>& states);
nlohmann::json timeline_json(const persistence::timeline_row& r);

// GET /accounts/:id/balance-at: 200 with {account_id, balance, currency, at, version,
// status, updated_at, last_hash, consistency: "strong"} (`at` is the instant asked, or the
// time of the version asked); 404 when the account has no events, did not exist yet at
// that point (ACCOUNT_NOT_FOUND), or has not reached the version asked (VERSION_NOT_FOUND).
http_answer balance_at_answer(const actors::balance_at_query& q,
                              const persistence::past_state& past);

// GET /accounts/:id/history: 200 with {account_id, currency, from, to, history: [{version,
// balance, occurred_at, type}], next} (`next`: pass as `after` for the next page, null on
// the last); 404 when the account has no events.
http_answer history_answer(const actors::history_query& q, const persistence::history_page& page);

// "<microseconds>_<event_id>", pointing at one timeline row.
std::string encode_cursor(const persistence::timeline_row& r);
std::optional<persistence::timeline_cursor> parse_cursor(std::string_view text);

// Lag of each projection: how far its newest applied event trails the newest
// committed one, in milliseconds (0 when it has caught up).
std::int64_t projection_lag_ms(const actors::progress_report& report,
                               const persistence::projection_progress& p);

// Whether the node's NATS connection is up; off when the node runs without NATS.
enum class bus_health { up, down, off };

// 200 when commands can be served (the event store is up), else 503.
// 503 with status "draining" while the node drains.
http_answer health_answer(const actors::progress_report& report, const std::string& node_id,
                          bus_health bus, const node_state& node);
// GET /cluster: the router's view (cluster/router.hpp), with this node's own entry telling
// what this node sees of the event store and NATS now.
http_answer cluster_answer(const std::string& router_view, bool event_store_up, bus_health bus);
std::string metrics_text(const actors::progress_report& report, const node_state& node);

}  // namespace chronicle::http
