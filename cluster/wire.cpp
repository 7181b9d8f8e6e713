#include "cluster/wire.hpp"

#include <nlohmann/json.hpp>

#include "domain/event_codec.hpp"
#include "domain/overloaded.hpp"

namespace chronicle::cluster {
namespace {

using nlohmann::json;

template <class T, class Read>
domain::result<T, std::string> parse(const std::string& text, const char* what, Read read) {
  const auto j = json::parse(text, nullptr, false);
  if (!j.is_object()) return domain::failure(std::string{what} + " is not a JSON object");
  try {
    return read(j);
  } catch (const json::exception& e) {
    return domain::failure(std::string{what} + " is malformed: " + e.what());
  }
}

json command_json(const domain::command& c) {
  return std::visit(
      domain::overloaded{
          [](const domain::open_account& o) -> json {
            return {{"type", "open"},
                    {"owner_name", o.owner_name},
                    {"currency", o.currency},
                    {"initial_balance", o.initial_balance}};
          },
          [](const domain::deposit& d) -> json {
            return {{"type", "deposit"}, {"amount", d.amount}, {"description", d.description}};
          },
          [](const domain::withdraw& w) -> json {
            return {{"type", "withdraw"}, {"amount", w.amount}, {"description", w.description}};
          },
          [](const domain::close_account&) -> json {
            return {{"type", "close"}};
          },
      },
      c);
}

domain::command command_of(const json& j) {
  const auto type = j.at("type").get<std::string>();
  if (type == "open") {
    return domain::open_account{j.at("owner_name").get<std::string>(),
                                j.at("currency").get<std::string>(),
                                j.at("initial_balance").get<std::string>()};
  }
  if (type == "deposit") {
    return domain::deposit{j.at("amount").get<std::string>(),
                           j.at("description").get<std::string>()};
  }
  if (type == "withdraw") {
    return domain::withdraw{j.at("amount").get<std::string>(),
                            j.at("description").get<std::string>()};
  }
  if (type == "close") return domain::close_account{};
  throw json::type_error::create(302, "unknown command type " + type, nullptr);
}

json state_json(const domain::account_state& s) {
  return {{"account_id", s.account_id}, {"status", static_cast<int>(s.status)},
          {"owner_name", s.owner_name}, {"currency", s.currency},
          {"balance", s.balance},       {"version", s.version},
          {"last_hash", s.last_hash},   {"created_at", s.created_at},
          {"updated_at", s.updated_at}};
}

domain::account_state state_of(const json& j) {
  domain::account_state s;
  s.account_id = j.at("account_id").get<std::string>();
  const auto status = j.at("status").get<int>();
  if (status < 0 || status > static_cast<int>(domain::account_status::closed)) {
    throw json::type_error::create(302, "unknown account status", nullptr);
  }
  s.status = static_cast<domain::account_status>(status);
  s.owner_name = j.at("owner_name").get<std::string>();
  s.currency = j.at("currency").get<std::string>();
  s.balance = j.at("balance").get<std::int64_t>();
  s.version = j.at("version").get<std::int64_t>();
  s.last_hash = j.at("last_hash").get<std::string>();
  s.created_at = j.at("created_at").get<domain::micros>();
  s.updated_at = j.at("updated_at").get<domain::micros>();
  return s;
}

// Enums cross as their numbers, checked against the last value on the way in.
template <class E>
E enum_of(const json& j, E last) {
  const auto n = j.get<int>();
  if (n < 0 || n > static_cast<int>(last)) {
    throw json::type_error::create(302, "enum value out of range", nullptr);
  }
  return static_cast<E>(n);
}

}  // namespace

std::string kind_name(wire_kind kind) {
  switch (kind) {
    case wire_kind::command: return "command";
    case wire_kind::transfer: return "transfer";
    case wire_kind::account: return "account";
    case wire_kind::events: return "events";
    case wire_kind::stale: return "stale";
  }
  return "unknown";
}

domain::result<wire_kind, std::string> kind_from_name(const std::string& name) {
  for (auto k : {wire_kind::command, wire_kind::transfer, wire_kind::account, wire_kind::events,
                 wire_kind::stale}) {
    if (kind_name(k) == name) return k;
  }
  return domain::failure("unknown forwarded kind " + name);
}

std::string encode(const actors::command_request& m) {
  return json{{"account_id", m.account_id},
              {"idempotency_key", m.idempotency_key},
              {"fingerprint", m.fingerprint},
              {"command", command_json(m.command)},
              {"issued_by", m.issued_by}}
      .dump();
}

std::string encode(const actors::transfer_request& m) {
  const auto& t = m.transfer;
  return json{{"idempotency_key", m.idempotency_key},
              {"fingerprint", m.fingerprint},
              {"issued_by", m.issued_by},
              {"transfer_id", t.transfer_id},
              {"from_account_id", t.from_account_id},
              {"to_account_id", t.to_account_id},
              {"amount", t.amount},
              {"description", t.description}}
      .dump();
}

std::string encode(const actors::account_query& m) {
  return json{{"account_id", m.account_id}}.dump();
}

std::string encode(const actors::events_query& m) {
  return json{{"account_id", m.account_id}, {"from_version", m.from_version}, {"limit", m.limit}}
      .dump();
}

std::string encode(const actors::stale_notice& m) {
  return json{{"account_id", m.account_id}, {"version", m.version}}.dump();
}

std::string encode(const actors::command_reply& m) {
  json events = json::array();
  for (const auto& e : m.events) {
    events.push_back({{"event_id", e.event_id},
                      {"type", e.type},
                      {"account_id", e.account_id},
                      {"version", e.version}});
  }
  return json{{"status", static_cast<int>(m.status)},
              {"replayed", m.replayed},
              {"event_id", m.event_id},
              {"version", m.version},
              {"balance", m.balance},
              {"currency", m.currency},
              {"code", static_cast<int>(m.code)},
              {"message", m.message},
              {"transfer_id", m.transfer_id},
              {"other_balance", m.other_balance},
              {"events", std::move(events)}}
      .dump();
}

std::string encode(const actors::account_view& m) {
  return json{{"status", static_cast<int>(m.status)}, {"state", state_json(m.state)}}.dump();
}

std::string encode(const actors::events_page& m) {
  json events = json::array();
  for (const auto& e : m.events) events.push_back(domain::event_to_json(e));
  return json{{"status", static_cast<int>(m.status)}, {"events", std::move(events)}}.dump();
}

domain::result<actors::command_request, std::string> decode_command(const std::string& text) {
  return parse<actors::command_request>(text, "a forwarded command", [](const json& j) {
    actors::command_request m;
    m.account_id = j.at("account_id").get<std::string>();
    m.idempotency_key = j.at("idempotency_key").get<std::string>();
    m.fingerprint = j.at("fingerprint").get<std::string>();
    m.command = command_of(j.at("command"));
    m.issued_by = j.at("issued_by").get<std::string>();
    return m;
  });
}

domain::result<actors::transfer_request, std::string> decode_transfer(const std::string& text) {
  return parse<actors::transfer_request>(text, "a forwarded transfer", [](const json& j) {
    actors::transfer_request m;
    m.idempotency_key = j.at("idempotency_key").get<std::string>();
    m.fingerprint = j.at("fingerprint").get<std::string>();
    m.issued_by = j.at("issued_by").get<std::string>();
    m.transfer.transfer_id = j.at("transfer_id").get<std::string>();
    m.transfer.from_account_id = j.at("from_account_id").get<std::string>();
    m.transfer.to_account_id = j.at("to_account_id").get<std::string>();
    m.transfer.amount = j.at("amount").get<std::string>();
    m.transfer.description = j.at("description").get<std::string>();
    return m;
  });
}

domain::result<actors::account_query, std::string> decode_account_query(const std::string& text) {
  return parse<actors::account_query>(text, "a forwarded account query", [](const json& j) {
    return actors::account_query{j.at("account_id").get<std::string>()};
  });
}

domain::result<actors::events_query, std::string> decode_events_query(const std::string& text) {
  return parse<actors::events_query>(text, "a forwarded events query", [](const json& j) {
    actors::events_query m;
    m.account_id = j.at("account_id").get<std::string>();
    m.from_version = j.at("from_version").get<std::int64_t>();
    m.limit = j.at("limit").get<std::size_t>();
    return m;
  });
}

domain::result<actors::stale_notice, std::string> decode_stale_notice(const std::string& text) {
  return parse<actors::stale_notice>(text, "a notice of a stale account", [](const json& j) {
    actors::stale_notice m;
    m.account_id = j.at("account_id").get<std::string>();
    m.version = j.at("version").get<std::int64_t>();
    return m;
  });
}

domain::result<actors::command_reply, std::string> decode_command_reply(const std::string& text) {
  return parse<actors::command_reply>(text, "a forwarded command's reply", [](const json& j) {
    actors::command_reply m;
    m.status = enum_of(j.at("status"), actors::command_status::node_draining);
    m.replayed = j.at("replayed").get<bool>();
    m.event_id = j.at("event_id").get<std::string>();
    m.version = j.at("version").get<std::int64_t>();
    m.balance = j.at("balance").get<std::string>();
    m.currency = j.at("currency").get<std::string>();
    m.code = enum_of(j.at("code"), domain::rejection_code::currency_mismatch);
    m.message = j.at("message").get<std::string>();
    m.transfer_id = j.at("transfer_id").get<std::string>();
    m.other_balance = j.at("other_balance").get<std::string>();
    for (const auto& e : j.at("events")) {
      m.events.push_back(actors::event_ref{
          e.at("event_id").get<std::string>(), e.at("type").get<std::string>(),
          e.at("account_id").get<std::string>(), e.at("version").get<std::int64_t>()});
    }
    return m;
  });
}

domain::result<actors::account_view, std::string> decode_account_view(const std::string& text) {
  return parse<actors::account_view>(text, "a forwarded account view", [](const json& j) {
    actors::account_view m;
    m.status = enum_of(j.at("status"), actors::query_status::failed);
    m.state = state_of(j.at("state"));
    return m;
  });
}

domain::result<actors::events_page, std::string> decode_events_page(const std::string& text) {
  return parse<actors::events_page>(
      text, "a forwarded events page",
      [](const json& j) -> domain::result<actors::events_page, std::string> {
        actors::events_page m;
        m.status = enum_of(j.at("status"), actors::query_status::failed);
        for (const auto& e : j.at("events")) {
          auto decoded = domain::event_from_json(e);
          if (!decoded) return domain::failure("a forwarded event: " + decoded.error());
          m.events.push_back(std::move(*decoded));
        }
        return m;
      });
}

}  // namespace chronicle::cluster
