#include "http/ws_protocol.hpp"

#include <nlohmann/json.hpp>
#include <type_traits>

#include "domain/event_codec.hpp"
#include "domain/ids.hpp"
#include "domain/money.hpp"

namespace chronicle::http {
namespace {

using nlohmann::json;

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The amount an event moves (an opening's initial balance), in minor units; 0 for a closing.
std::int64_t moved(const domain::event_body& body) {
  return std::visit(
      [](const auto& b) -> std::int64_t {
        using T = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<T, domain::account_created>) {
          return b.initial_balance;
        } else if constexpr (std::is_same_v<T, domain::account_closed>) {
          return 0;
        } else {
          return b.amount;
        }
      },
      body);
}

std::string money_text(std::int64_t minor, const std::string& currency) {
  const auto c = domain::find_currency(currency);
  return c ? domain::format_amount(minor, *c) : std::to_string(minor);
}

}  // namespace

std::string ws_credentials(std::string_view protocol_header) {
  while (!protocol_header.empty()) {
    const auto comma = protocol_header.find(',');
    const auto item = trimmed(protocol_header.substr(0, comma));
    if (item.substr(0, ws_bearer_prefix.size()) == ws_bearer_prefix) {
      return "Bearer " + std::string{item.substr(ws_bearer_prefix.size())};
    }
    if (comma == std::string_view::npos) break;
    protocol_header.remove_prefix(comma + 1);
  }
  return {};
}

domain::result<ws_subscription, problem> parse_ws_subscription(const query_param& after_sequence,
                                                               const query_param& account_id) {
  ws_subscription out;
  if (after_sequence) {
    const auto n = parse_integer(*after_sequence, 0, INT64_MAX);
    if (!n) {
      return domain::failure(problem{api_error::invalid_field,
                                     "after_sequence must be a stream sequence (0 or more)"});
    }
    out.after_sequence = static_cast<std::uint64_t>(*n);
  }
  if (account_id) {
    if (!domain::valid_account_id(*account_id)) {
      return domain::failure(problem{api_error::invalid_field, "account_id is no account id"});
    }
    out.account_id = *account_id;
  }
  return out;
}

std::string ws_event_frame(const projections::live_event& e, api_role role) {
  const auto& ev = e.event;
  json frame{{"type", "event"},
             {"sequence", e.sequence},
             {"account_id", ev.account_id},
             {"version", ev.version},
             {"event_type", std::string{domain::event_type_name(ev.body)}},
             {"amount", money_text(moved(ev.body), e.currency)},
             {"currency", e.currency},
             {"balance_after", money_text(e.balance_after, e.currency)},
             {"occurred_at", domain::format_instant(ev.occurred_at)},
             {"hash", ev.hash},
             {"event_id", ev.event_id},
             {"description", ""}};
  std::visit(
      [&frame](const auto& b) {
        using T = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<T, domain::transfer_debited> ||
                      std::is_same_v<T, domain::transfer_credited>) {
          frame["transfer_id"] = b.transfer_id;
          frame["counterparty"] = b.counterparty;
        }
        if constexpr (!std::is_same_v<T, domain::account_closed> &&
                      !std::is_same_v<T, domain::account_created>) {
          frame["description"] = b.description;
        }
      },
      ev.body);
  if (role != api_role::operator_) frame["issued_by"] = ev.issued_by;
  return frame.dump();
}

std::string ws_ready_frame(std::uint64_t last_sequence) {
  return json{{"type", "ready"}, {"last_sequence", last_sequence}}.dump();
}

}  // namespace chronicle::http
