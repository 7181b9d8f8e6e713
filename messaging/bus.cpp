#include "messaging/bus.hpp"
#include "messaging/kv.hpp"

#include <algorithm>

namespace chronicle::messaging {
namespace {

constexpr std::size_t durable_name_length_max = 64;
constexpr const char* subject_infix = ".events.";

bool durable_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

bool stream_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

std::string lower_case(std::string text) {
  for (char& c : text) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return text;
}

}  // namespace

stream_names::stream_names() : stream_names{default_name} {}

stream_names::stream_names(std::string name)
    : name_{std::move(name)}, subject_prefix_{lower_case(name_) + subject_infix} {}

domain::result<stream_names, std::string> stream_names::parse(const std::string& name) {
  const bool valid = !name.empty() && name.size() <= name_length_max &&
                     std::all_of(name.begin(), name.end(), stream_char);
  if (!valid) {
    return domain::failure("a stream name is 1 to " + std::to_string(name_length_max) +
                           " of A-Z, 0-9, '-' and '_', not '" + name + "'");
  }
  return stream_names{name};
}

std::string stream_names::subjects() const {
  return subject_prefix_ + ">";
}

std::string stream_names::subject_for(const std::string& account_id) const {
  return subject_prefix_ + account_id;
}

bool valid_durable_name(const std::string& name) {
  if (name.empty() || name.size() > durable_name_length_max) return false;
  for (const char c : name) {
    if (!durable_char(c)) return false;
  }
  return true;
}

// Bucket names follow the same rule as durable names (JetStream names either way).
bool valid_bucket_name(const std::string& name) {
  return valid_durable_name(name);
}

}  // namespace chronicle::messaging
