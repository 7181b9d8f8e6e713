#include "tests/support/test_keys.hpp"

#include <unistd.h>

#include <cstdlib>
#include <stdexcept>

#include "domain/ids.hpp"
#include "http/api_keys.hpp"

namespace chronicle::testing {
namespace {

std::string issue(std::vector<http::api_key>& file, const char* id, http::api_role role) {
  auto issued = http::issue_key(id, role, domain::now_micros());
  if (!issued) throw std::runtime_error{"no randomness for a test key"};
  file.push_back(issued->key);
  return issued->token;
}

test_keys make_keys() {
  test_keys out;
  out.file = "/tmp/chronicle-test-keys-" + std::to_string(::getpid());
  std::vector<http::api_key> file;
  out.operator_token = issue(file, "test-operator", http::api_role::operator_);
  out.auditor_token = issue(file, "test-auditor", http::api_role::auditor);
  out.admin_token = issue(file, "test-admin", http::api_role::admin);
  if (!http::write_keys_file(out.file, file)) {
    throw std::runtime_error{"cannot write " + out.file};
  }
  return out;
}

}  // namespace

const test_keys& keys() {
  static const test_keys made = make_keys();
  return made;
}

std::string bearer(const std::string& token) {
  return "Bearer " + token;
}

}  // namespace chronicle::testing
