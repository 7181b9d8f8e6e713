#include "http/query_params.hpp"

#include <algorithm>

#include "domain/ids.hpp"
#include "http/limits.hpp"
#include "http/views.hpp"

namespace chronicle::http {
namespace {

using domain::failure;

// Versions and cursors above this are refused rather than risk overflow in arithmetic.
constexpr std::int64_t position_max = INT64_MAX / 2;
constexpr std::size_t integer_digits_max = 18;

problem invalid(std::string message) {
  return problem{api_error::invalid_field, std::move(message)};
}

}  // namespace

std::optional<std::int64_t> parse_integer(std::string_view text, std::int64_t low,
                                          std::int64_t high) {
  if (text.empty() || text.size() > integer_digits_max) return std::nullopt;
  std::int64_t n = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  if (n < low || n > high) return std::nullopt;
  return n;
}

domain::result<std::int64_t, std::string> integer_param(const query_param& value,
                                                        std::string_view name,
                                                        std::int64_t fallback, std::int64_t low,
                                                        std::int64_t high) {
  if (!value) return fallback;
  if (!parse_integer(*value, 0, INT64_MAX)) {
    return failure(std::string{name} + " must be an integer");
  }
  const auto n = parse_integer(*value, low, high);
  if (!n) {
    return failure(std::string{name} + " must be between " + std::to_string(low) + " and " +
                   std::to_string(high));
  }
  return *n;
}

domain::result<persistence::account_filter, problem> parse_account_list(const query_param& owner,
                                                                        const query_param& status,
                                                                        const query_param& after,
                                                                        const query_param& limit) {
  const auto n = integer_param(limit, "limit", page_default, 1, page_max);
  if (!n) return failure(invalid(n.error()));
  persistence::account_filter filter;
  filter.limit = static_cast<std::size_t>(*n);
  filter.owner_name = owner.value_or("");
  filter.status = status.value_or("");
  filter.after_account_id = after.value_or("");
  if (!filter.status.empty() && filter.status != "open" && filter.status != "closed") {
    return failure(invalid("status must be open or closed"));
  }
  if (!domain::valid_text(filter.owner_name, domain::owner_name_bytes_max)) {
    return failure(invalid("owner must be UTF-8 text without control characters, at most " +
                           std::to_string(domain::owner_name_bytes_max) + " bytes"));
  }
  // `after` is the cursor returned as next_after: an account id.
  if (!filter.after_account_id.empty() && !domain::valid_account_id(filter.after_account_id)) {
    return failure(invalid("after must be an account id returned as 'next_after'"));
  }
  return filter;
}

domain::result<actors::snapshot_query, problem> parse_snapshot_ids(const query_param& ids) {
  if (!ids || ids->empty()) {
    return failure(problem{api_error::missing_field, "ids is required: ?ids=a,b,c"});
  }
  actors::snapshot_query q;
  const std::string& text = *ids;
  for (std::size_t start = 0; start <= text.size();) {
    const auto comma = std::min(text.find(',', start), text.size());
    auto id = text.substr(start, comma - start);
    if (!domain::valid_account_id(id))
      return failure(invalid("ids: '" + id + "' is no account id"));
    if (std::find(q.account_ids.begin(), q.account_ids.end(), id) == q.account_ids.end()) {
      q.account_ids.push_back(std::move(id));
    }
    if (q.account_ids.size() > persistence::snapshot_accounts_max) {
      return failure(invalid("ids: at most " + std::to_string(persistence::snapshot_accounts_max) +
                             " accounts"));
    }
    start = comma + 1;
  }
  return q;
}

domain::result<actors::transactions_query, problem> parse_transactions(std::string account_id,
                                                                       const query_param& before,
                                                                       const query_param& limit) {
  const auto n = integer_param(limit, "limit", page_default, 1, page_max);
  if (!n) return failure(invalid(n.error()));
  const auto b = integer_param(before, "before", 0, 0, position_max);
  if (!b) return failure(invalid(b.error()));
  return actors::transactions_query{std::move(account_id), *b, static_cast<std::size_t>(*n)};
}

domain::result<actors::events_query, problem> parse_events(std::string account_id,
                                                           const query_param& from_version,
                                                           const query_param& limit) {
  const auto from = integer_param(from_version, "from_version", 1, 1, position_max);
  if (!from) return failure(invalid(from.error()));
  const auto n = integer_param(limit, "limit", page_default, 1, page_max);
  if (!n) return failure(invalid(n.error()));
  return actors::events_query{std::move(account_id), *from, static_cast<std::size_t>(*n)};
}

domain::result<persistence::timeline_query, problem> parse_timeline(const query_param& order,
                                                                    const query_param& after,
                                                                    const query_param& limit) {
  const auto n = integer_param(limit, "limit", page_default, 1, page_max);
  if (!n) return failure(invalid(n.error()));
  persistence::timeline_query q;
  q.limit = static_cast<std::size_t>(*n);
  if (order && *order != "desc" && *order != "asc") {
    return failure(invalid("order must be desc or asc"));
  }
  q.newest_first = !order || *order == "desc";
  if (after) {
    q.after = parse_cursor(*after);
    if (!q.after) return failure(invalid("after must be a cursor returned as 'next'"));
  }
  return q;
}

}  // namespace chronicle::http
