#include "http/cors.hpp"

#include <algorithm>
#include <cctype>

namespace chronicle::http {
namespace {

std::string lower(std::string_view text) {
  std::string out{text};
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t");
  return std::string{text.substr(first, last - first + 1)};
}

bool host_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.';
}

// scheme://host[:port], as a browser sends it in Origin: no path, no user, no trailing slash.
bool valid_origin(const std::string& origin) {
  std::string_view rest{origin};
  if (rest.rfind("https://", 0) == 0) {
    rest.remove_prefix(8);
  } else if (rest.rfind("http://", 0) == 0) {
    rest.remove_prefix(7);
  } else {
    return false;
  }
  const auto colon = rest.find(':');
  const auto host = rest.substr(0, colon);
  if (host.empty() || host.size() > 253 || !std::all_of(host.begin(), host.end(), host_char)) {
    return false;
  }
  if (colon == std::string_view::npos) return true;
  const auto port = rest.substr(colon + 1);
  return !port.empty() && port.size() <= 5 && std::all_of(port.begin(), port.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c));
  });
}

const char* const allowed_headers = "Authorization, Content-Type, Idempotency-Key";
// Readable by the page's script beyond the CORS-safelisted ones.
const char* const exposed_headers = "Retry-After, WWW-Authenticate";

}  // namespace

domain::result<cors_policy, std::string> cors_policy::parse(std::string_view origins) {
  cors_policy out;
  if (trim(origins).empty()) return out;
  for (std::size_t start = 0; start <= origins.size();) {
    const auto comma = std::min(origins.find(',', start), origins.size());
    const auto origin = lower(trim(origins.substr(start, comma - start)));
    if (!valid_origin(origin)) {
      return domain::failure("'" + origin +
                             "' is not an origin: give scheme://host[:port] with http or https, "
                             "no path and no wildcard");
    }
    if (std::find(out.origins_.begin(), out.origins_.end(), origin) == out.origins_.end()) {
      out.origins_.push_back(origin);
    }
    if (out.origins_.size() > cors_origins_max) {
      return domain::failure("at most " + std::to_string(cors_origins_max) + " origins");
    }
    start = comma + 1;
  }
  return out;
}

bool cors_policy::allows(std::string_view origin) const {
  if (origin.empty()) return false;
  const auto wanted = lower(origin);
  return std::find(origins_.begin(), origins_.end(), wanted) != origins_.end();
}

header_list cors_policy::response_headers(std::string_view origin) const {
  if (!enabled()) return {};
  // Every answer depends on Origin once CORS is on, so caches must key on it.
  header_list out{{"Vary", "Origin"}};
  if (!allows(origin)) return out;
  out.emplace_back("Access-Control-Allow-Origin", std::string{origin});
  out.emplace_back("Access-Control-Expose-Headers", exposed_headers);
  return out;
}

std::optional<header_list> cors_policy::preflight_headers(
    std::string_view origin, std::string_view requested_method,
    const std::vector<std::string>& methods) const {
  if (!allows(origin) || requested_method.empty()) return std::nullopt;
  std::string listed;
  for (const auto& m : methods) listed += (listed.empty() ? "" : ", ") + m;
  return header_list{{"Access-Control-Allow-Origin", std::string{origin}},
                     {"Vary", "Origin"},
                     {"Access-Control-Allow-Methods", listed},
                     {"Access-Control-Allow-Headers", allowed_headers},
                     {"Access-Control-Max-Age", std::to_string(cors_max_age_seconds)}};
}

}  // namespace chronicle::http
