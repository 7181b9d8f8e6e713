#include "http/views.hpp"

#include <nlohmann/json.hpp>

#include "domain/money.hpp"

namespace chronicle::http {
namespace {

using nlohmann::json;

std::string amount_json(std::int64_t minor, const std::string& currency) {
  const auto cur = domain::find_currency(currency);
  return cur ? domain::format_amount(minor, *cur) : std::to_string(minor);
}

json text_or_null(const std::string& text) {
  return text.empty() ? json(nullptr) : json(text);
}

}  // namespace

json account_json(const domain::account_state& s, std::string_view consistency) {
  return json{{"account_id", s.account_id},
              {"owner_name", s.owner_name},
              {"currency", s.currency},
              {"balance", amount_json(s.balance, s.currency)},
              {"version", s.version},
              {"status", domain::status_name(s.status)},
              {"created_at", domain::format_instant(s.created_at)},
              {"updated_at", domain::format_instant(s.updated_at)},
              {"last_hash", s.last_hash},
              {"consistency", consistency}};
}

json snapshot_json(const std::vector<domain::account_state>& states) {
  json accounts = json::array();
  json missing = json::array();
  for (const auto& s : states) {
    if (s.status == domain::account_status::absent) {
      missing.push_back(s.account_id);
      continue;
    }
    accounts.push_back(json{{"account_id", s.account_id},
                            {"balance", amount_json(s.balance, s.currency)},
                            {"version", s.version},
                            {"currency", s.currency}});
  }
  return json{{"accounts", std::move(accounts)},
              {"missing", std::move(missing)},
              {"consistency", "strong"}};
}

json transaction_json(const persistence::transaction_row& r) {
  return json{{"event_id", r.event_id},
              {"account_id", r.account_id},
              {"version", r.version},
              {"type", r.type},
              {"amount", amount_json(r.amount, r.currency)},
              {"balance_after", amount_json(r.balance_after, r.currency)},
              {"currency", r.currency},
              {"description", r.description},
              {"transfer_id", text_or_null(r.transfer_id)},
              {"counterparty", text_or_null(r.counterparty)},
              {"occurred_at", domain::format_instant(r.occurred_at)}};
}

json timeline_json(const persistence::timeline_row& r) {
  return json{{"event_id", r.event_id},
              {"account_id", r.account_id},
              {"version", r.version},
              {"type", r.type},
              {"schema_version", r.schema_version},
              {"occurred_at", domain::format_instant(r.occurred_at)},
              {"data", json::parse(r.data, nullptr, false)},
              {"hash", r.hash}};
}

http_answer balance_at_answer(const actors::balance_at_query& q,
                              const persistence::past_state& past) {
  const auto& id = q.account_id;
  const auto& s = past.state;
  if (past.latest_version == 0) {
    return answer_problem({api_error::account_not_found, "account " + id + " does not exist"});
  }
  if (s.status == domain::account_status::absent && q.at) {
    const auto when = domain::format_instant(*q.at);
    return answer_problem(
        {api_error::account_not_found, "account " + id + " did not exist at " + when});
  }
  if (s.status == domain::account_status::absent) {
    const auto asked = std::to_string(q.version.value_or(0));
    const auto latest = std::to_string(past.latest_version);
    return answer_problem({api_error::version_not_found, "account " + id + " has no version " +
                                                             asked + ": its latest is " + latest});
  }
  const json body{{"account_id", s.account_id},
                  {"balance", amount_json(s.balance, s.currency)},
                  {"currency", s.currency},
                  {"at", domain::format_instant(q.at.value_or(s.updated_at))},
                  {"version", s.version},
                  {"status", domain::status_name(s.status)},
                  {"updated_at", domain::format_instant(s.updated_at)},
                  {"last_hash", s.last_hash},
                  {"consistency", "strong"}};
  return {200, body.dump()};
}

http_answer history_answer(const actors::history_query& q, const persistence::history_page& page) {
  const auto& range = q.range;
  if (page.latest_version == 0) {
    return answer_problem(
        {api_error::account_not_found, "account " + range.account_id + " does not exist"});
  }
  json entries = json::array();
  for (const auto& e : page.entries) {
    entries.push_back(json{{"version", e.version},
                           {"balance", amount_json(e.balance, page.currency)},
                           {"occurred_at", domain::format_instant(e.occurred_at)},
                           {"type", e.type}});
  }
  auto instant_or_null = [](const std::optional<domain::micros>& at) {
    return at ? json(domain::format_instant(*at)) : json(nullptr);
  };
  const json body{{"account_id", range.account_id},
                  {"currency", page.currency},
                  {"from", instant_or_null(range.from)},
                  {"to", instant_or_null(range.to)},
                  {"history", std::move(entries)},
                  {"next", page.next_after == 0 ? json(nullptr) : json(page.next_after)},
                  {"consistency", "strong"}};
  return {200, body.dump()};
}

std::string encode_cursor(const persistence::timeline_row& r) {
  return std::to_string(r.occurred_at) + "_" + r.event_id;
}

std::optional<persistence::timeline_cursor> parse_cursor(std::string_view text) {
  const auto sep = text.find('_');
  constexpr std::size_t uuid_chars = 36;
  if (sep == std::string_view::npos || sep == 0 || sep > 18 ||
      text.size() - sep - 1 != uuid_chars) {
    return std::nullopt;
  }
  domain::micros at = 0;
  for (char c : text.substr(0, sep)) {
    if (c < '0' || c > '9') return std::nullopt;
    at = at * 10 + (c - '0');
  }
  const auto id = text.substr(sep + 1);
  for (std::size_t i = 0; i < id.size(); ++i) {
    const char c = id[i];
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return std::nullopt;
    }
  }
  return persistence::timeline_cursor{at, std::string{id}};
}

std::int64_t projection_lag_ms(const actors::progress_report& report,
                               const persistence::projection_progress& p) {
  return std::max<std::int64_t>(0, (report.newest_event_at - p.last_event_at) / 1000);
}

http_answer cluster_answer(const std::string& router_view, bool event_store_up, bus_health bus) {
  auto body = json::parse(router_view, nullptr, false);
  if (!body.is_object() || !body.contains("members") || !body["members"].is_array()) {
    return answer_problem({api_error::internal, "the cluster view is unreadable"});
  }
  for (auto& m : body["members"]) {
    if (m.value("status", "") != "self") continue;
    m["event_store"] = event_store_up ? "up" : "down";
    m["nats"] = bus == bus_health::up ? "up" : bus == bus_health::down ? "down" : "off";
  }
  return {200, body.dump()};
}

namespace {

const char* relay_role_name(relay_role role) {
  return role == relay_role::running ? "running" : "off";
}

const char* projection_role_name(projection_role_view role) {
  switch (role) {
    case projection_role_view::active: return "active";
    case projection_role_view::standby: return "standby";
    case projection_role_view::off: break;
  }
  return "off";
}

}  // namespace

http_answer health_answer(const actors::progress_report& report, const std::string& node_id,
                          bus_health bus, const node_state& node) {
  json projections = json::array();
  for (const auto& p : report.projections) {
    projections.push_back({{"name", persistence::projection_name(p.which)},
                           {"events_applied", p.events_applied},
                           {"last_event_at", domain::format_instant(p.last_event_at)},
                           {"lag_ms", projection_lag_ms(report, p)}});
  }
  const bool ok = report.event_store_up && report.read_models_up;
  const bool draining = node.draining.load();
  json body{{"status", draining ? "draining" : ok ? "ok" : "degraded"},
            {"node_id", node_id},
            {"event_store", report.event_store_up ? "up" : "down"},
            {"read_models", report.read_models_up ? "up" : "down"},
            {"bus", bus == bus_health::up     ? "up"
                    : bus == bus_health::down ? "down"
                                              : "off"},
            {"projections", std::move(projections)},
            {"roles",
             {{"relay", relay_role_name(node.relay.load())},
              {"projection", projection_role_name(node.projection.load())}}}};
  if (report.newest_event_at != 0) {
    body["newest_event_at"] = domain::format_instant(report.newest_event_at);
  }
  return {report.event_store_up && !draining ? 200 : 503, body.dump()};
}

std::string metrics_text(const actors::progress_report& report, const node_state& node) {
  std::string out;
  out += "# HELP chronicle_node_draining Whether the node is leaving (SIGTERM) and refuses "
         "commands.\n";
  out += "# TYPE chronicle_node_draining gauge\n";
  out += "chronicle_node_draining " + std::to_string(node.draining.load() ? 1 : 0) + "\n";
  out += "# HELP chronicle_relay_running Whether this node's outbox relay runs.\n";
  out += "# TYPE chronicle_relay_running gauge\n";
  out += "chronicle_relay_running " +
         std::to_string(node.relay.load() == relay_role::running ? 1 : 0) + "\n";
  out += "# HELP chronicle_projection_active Whether this node's projection holds the "
         "read-model database's projection lock (1) or stands by (0).\n";
  out += "# TYPE chronicle_projection_active gauge\n";
  out += "chronicle_projection_active " +
         std::to_string(node.projection.load() == projection_role_view::active ? 1 : 0) + "\n";
  out += "# HELP chronicle_event_store_up Whether the event store answered.\n";
  out += "# TYPE chronicle_event_store_up gauge\n";
  out += "chronicle_event_store_up " + std::to_string(report.event_store_up ? 1 : 0) + "\n";
  out += "# HELP chronicle_read_models_up Whether the read-model database answered.\n";
  out += "# TYPE chronicle_read_models_up gauge\n";
  out += "chronicle_read_models_up " + std::to_string(report.read_models_up ? 1 : 0) + "\n";
  out +=
      "# HELP chronicle_projection_lag_seconds Newest committed event time minus newest "
      "applied, per projection.\n";
  out += "# TYPE chronicle_projection_lag_seconds gauge\n";
  for (const auto& p : report.projections) {
    const auto lag = projection_lag_ms(report, p);
    out += "chronicle_projection_lag_seconds{projection=\"" +
           std::string{persistence::projection_name(p.which)} + "\"} " +
           std::to_string(lag / 1000) + "." + std::to_string(lag % 1000 / 100) +
           std::to_string(lag % 100 / 10) + std::to_string(lag % 10) + "\n";
  }
  out += "# HELP chronicle_projection_events_applied_total Events applied, per projection.\n";
  out += "# TYPE chronicle_projection_events_applied_total counter\n";
  for (const auto& p : report.projections) {
    out += "chronicle_projection_events_applied_total{projection=\"" +
           std::string{persistence::projection_name(p.which)} + "\"} " +
           std::to_string(p.events_applied) + "\n";
  }
  return out;
}

}  // namespace chronicle::http
