#include "domain/redact.hpp"

#include <algorithm>
#include <cctype>
#include <utility>

namespace chronicle::domain {
namespace {

// A secret's place in a connection string: [first, first + size).
using span = std::pair<std::size_t, std::size_t>;

bool is_space(char c) {
  return std::isspace(static_cast<unsigned char>(c)) != 0;
}

// One value of a keyword/value string starting at `i`; returns its end.
std::size_t value_end(std::string_view s, std::size_t i) {
  if (i < s.size() && s[i] == '\'') {
    for (++i; i < s.size(); ++i) {
      if (s[i] == '\\' && i + 1 < s.size()) {
        ++i;
      } else if (s[i] == '\'') {
        return i + 1;
      }
    }
    return s.size();
  }
  while (i < s.size() && !is_space(s[i])) i += (s[i] == '\\' && i + 1 < s.size()) ? 2 : 1;
  return std::min(i, s.size());
}

void keyword_value_secrets(std::string_view s, std::vector<span>& out) {
  std::size_t i = 0;
  while (i < s.size()) {
    if (is_space(s[i])) {
      ++i;
      continue;
    }
    const std::size_t key_first = i;
    while (i < s.size() && s[i] != '=' && !is_space(s[i])) ++i;
    const std::string_view key = s.substr(key_first, i - key_first);
    std::size_t j = i;
    while (j < s.size() && is_space(s[j])) ++j;
    if (j >= s.size() || s[j] != '=') {
      out.emplace_back(key_first, key.size());  // not keyword=value: maybe part of a secret
      continue;
    }
    ++j;
    while (j < s.size() && is_space(s[j])) ++j;
    const std::size_t end = value_end(s, j);
    if (key == "password" && end > j) out.emplace_back(j, end - j);
    i = end;
  }
}

// The user information of each URL of a comma-separated list ("nats://u:p@h",
// also without a scheme), and "password=" parameters.
void uri_secrets(std::string_view s, std::vector<span>& out) {
  for (std::size_t item = 0; item <= s.size();) {
    std::size_t item_end = s.find(',', item);
    if (item_end == std::string_view::npos) item_end = s.size();
    std::size_t first = s.find("://", item);
    first = (first == std::string_view::npos || first >= item_end) ? item : first + 3;
    std::size_t end = s.find_first_of("/?#", first);
    if (end == std::string_view::npos || end > item_end) end = item_end;
    const std::size_t at = s.substr(0, end).rfind('@');
    if (at != std::string_view::npos && at >= first) {
      const std::size_t colon = s.find(':', first);
      if (colon != std::string_view::npos && colon < at) {
        out.emplace_back(colon + 1, at - colon - 1);
      } else {
        out.emplace_back(first, at - first);  // a token alone ("nats://token@host") is a secret
      }
    }
    item = item_end + 1;
  }
  for (std::size_t p = s.find("password="); p != std::string_view::npos;
       p = s.find("password=", p + 1)) {
    if (p == 0 || (s[p - 1] != '?' && s[p - 1] != '&')) continue;
    const std::size_t first = p + 9;
    std::size_t end = s.find_first_of("&#, \t", first);
    if (end == std::string_view::npos) end = s.size();
    out.emplace_back(first, end - first);
  }
}

// A keyword/value string has a '=' outside any URL; anything else is a URL list.
bool is_keyword_value(std::string_view s) {
  return s.find("://") == std::string_view::npos && s.find('=') != std::string_view::npos;
}

std::vector<span> secrets_of(std::string_view s) {
  std::vector<span> out;
  if (is_keyword_value(s)) {
    keyword_value_secrets(s, out);
  } else {
    uri_secrets(s, out);
  }
  std::vector<span> nonempty;
  for (const auto& sp : out) {
    if (sp.second != 0) nonempty.push_back(sp);
  }
  return nonempty;
}

// The secret as a program might print it after decoding: quotes and escapes
// of a keyword/value string, percent escapes of a URI.
std::string decoded(std::string_view secret) {
  if (secret.size() >= 2 && secret.front() == '\'') secret = secret.substr(1, secret.size() - 2);
  std::string out;
  for (std::size_t i = 0; i < secret.size(); ++i) {
    if (secret[i] == '\\' && i + 1 < secret.size()) {
      out += secret[++i];
    } else if (secret[i] == '%' && i + 2 < secret.size() &&
               std::isxdigit(static_cast<unsigned char>(secret[i + 1])) != 0 &&
               std::isxdigit(static_cast<unsigned char>(secret[i + 2])) != 0) {
      out += static_cast<char>(std::stoi(std::string{secret.substr(i + 1, 2)}, nullptr, 16));
      i += 2;
    } else {
      out += secret[i];
    }
  }
  return out;
}

void replace_all(std::string& text, const std::string& secret) {
  if (secret.empty()) return;
  for (std::size_t p = text.find(secret); p != std::string::npos;
       p = text.find(secret, p + std::char_traits<char>::length(redacted))) {
    text.replace(p, secret.size(), redacted);
  }
}

}  // namespace

std::string redact_connection_string(std::string_view connection) {
  std::string out;
  std::size_t copied = 0;
  auto spans = secrets_of(connection);
  std::sort(spans.begin(), spans.end());
  for (const auto& [first, size] : spans) {
    if (first < copied) continue;
    out.append(connection.substr(copied, first - copied));
    out += redacted;
    copied = first + size;
  }
  out.append(connection.substr(copied));
  return out;
}

std::string redact_secrets(std::string text, const std::vector<std::string>& connections) {
  for (const auto& connection : connections) {
    for (const auto& [first, size] : secrets_of(connection)) {
      const std::string_view raw = std::string_view{connection}.substr(first, size);
      replace_all(text, std::string{raw});
      replace_all(text, decoded(raw));
    }
  }
  return text;
}

}  // namespace chronicle::domain
