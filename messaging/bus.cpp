#include "messaging/bus.hpp"

namespace chronicle::messaging {
namespace {

constexpr std::size_t durable_name_length_max = 64;

bool durable_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

}  // namespace

std::string subject_for(const std::string& account_id) {
  return subject_prefix + account_id;
}

bool valid_durable_name(const std::string& name) {
  if (name.empty() || name.size() > durable_name_length_max) return false;
  for (const char c : name) {
    if (!durable_char(c)) return false;
  }
  return true;
}

}  // namespace chronicle::messaging
