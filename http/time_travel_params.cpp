#include "http/time_travel_params.hpp"

namespace chronicle::http {
namespace {

using domain::failure;

constexpr std::int64_t history_limit_default = 100;
// Versions and cursors above this are refused rather than risk overflow in arithmetic.
constexpr std::int64_t version_param_max = INT64_MAX / 2;
// "YYYY-MM-DDTHH:MM:SS": an offset's sign can only come after this.
constexpr std::size_t date_time_chars = 19;

constexpr const char* instant_example = "2026-11-26T10:48:37.123456Z";

// What the client sent, quoted for an error message when it is short, printable UTF-8.
std::string quoted(const std::string& text) {
  constexpr std::size_t echo_bytes_max = 100;
  return domain::valid_text(text, echo_bytes_max) ? "'" + text + "'" : "the value given";
}

problem invalid(std::string message) {
  return problem{api_error::invalid_field, std::move(message)};
}

domain::result<std::optional<domain::micros>, problem> optional_instant(const char* name,
                                                                        const query_param& text) {
  if (!text) return std::optional<domain::micros>{};
  const auto at = parse_query_instant(*text);
  if (!at) {
    return failure(invalid(std::string{name} + " must be an ISO 8601 instant such as " +
                           instant_example + ", not " + quoted(*text)));
  }
  return std::optional<domain::micros>{*at};
}

}  // namespace

std::optional<domain::micros> parse_query_instant(std::string text) {
  if (text.size() > date_time_chars) {
    for (auto i = date_time_chars; i < text.size(); ++i) {
      if (text[i] == ' ') text[i] = '+';
    }
  }
  return domain::parse_client_instant(text);
}

domain::result<actors::balance_at_query, problem> parse_balance_at(std::string account_id,
                                                                   const query_param& timestamp,
                                                                   const query_param& version,
                                                                   domain::micros now) {
  if (timestamp && version) return failure(invalid("give timestamp or version, not both"));
  if (!timestamp && !version) {
    return failure(problem{api_error::missing_field,
                           std::string{"timestamp or version is required: ?timestamp="} +
                               instant_example + " or ?version=12"});
  }
  actors::balance_at_query q;
  q.account_id = std::move(account_id);
  if (version) {
    q.version = parse_integer(*version, 1, version_param_max);
    if (!q.version) {
      return failure(invalid("version must be an integer from 1 to " +
                             std::to_string(version_param_max) + ", not " + quoted(*version)));
    }
    return q;
  }
  auto at = optional_instant("timestamp", timestamp);
  if (!at) return failure(at.error());
  if (**at > now) {
    return failure(invalid("timestamp " + domain::format_instant(**at) +
                           " is in the future: the ledger's clock reads " +
                           domain::format_instant(now)));
  }
  q.at = *at;
  return q;
}

domain::result<actors::history_query, problem> parse_history(std::string account_id,
                                                             const query_param& from,
                                                             const query_param& to,
                                                             const query_param& after,
                                                             const query_param& limit) {
  actors::history_query q;
  q.range.account_id = std::move(account_id);
  auto first = optional_instant("from", from);
  if (!first) return failure(first.error());
  auto last = optional_instant("to", to);
  if (!last) return failure(last.error());
  if (*first && *last && **first > **last) return failure(invalid("from must not be after to"));
  q.range.from = *first;
  q.range.to = *last;
  if (after) {
    const auto cursor = parse_integer(*after, 0, version_param_max);
    if (!cursor) return failure(invalid("after must be a page's 'next', not " + quoted(*after)));
    q.range.after_version = *cursor;
  }
  std::int64_t entries = history_limit_default;
  if (limit) {
    const auto max = static_cast<std::int64_t>(persistence::history_entries_max);
    const auto n = parse_integer(*limit, 1, max);
    if (!n) {
      return failure(invalid("limit must be an integer from 1 to " + std::to_string(max) +
                             ", not " + quoted(*limit)));
    }
    entries = *n;
  }
  q.range.limit = static_cast<std::size_t>(entries);
  return q;
}

}  // namespace chronicle::http
