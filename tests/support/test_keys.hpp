#pragma once

// The API keys of a test process: one keys file with a key per role, written once, which
// every node the process starts reads (node_process passes --api-keys). The tests' HTTP
// calls present the operator's key unless they say otherwise (support/http_client.hpp).

#include <string>

namespace chronicle::testing {

struct test_keys {
  std::string file;
  std::string operator_token;  // key id "test-operator"
  std::string auditor_token;   // key id "test-auditor"
  std::string admin_token;     // key id "test-admin"
};

const test_keys& keys();

// "Bearer <token>".
std::string bearer(const std::string& token);

}  // namespace chronicle::testing
