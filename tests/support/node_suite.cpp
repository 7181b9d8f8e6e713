#include "tests/support/node_suite.hpp"

namespace chronicle::testing {

void node_suite::SetUpTestSuite() {
  start_node({});
}

void node_suite::start_node(std::vector<std::string> extra_args) {
  node_ = std::make_unique<node_process>(
      static_cast<std::uint16_t>(std::stoi(env_or("CHRONICLE_TEST_PORT", "18081"))),
      std::move(extra_args));
}

void node_suite::TearDownTestSuite() {
  node_.reset();
}

void node_suite::SetUp() {
  ASSERT_TRUE(node_->started()) << "see " << node_->log_path();
}

std::uint16_t node_suite::port() {
  return node_->port();
}

}  // namespace chronicle::testing
