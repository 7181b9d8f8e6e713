#pragma once

// A test suite sharing one real node, started before its first test on
// $CHRONICLE_TEST_PORT and stopped after its last. A suite that needs node
// options of its own declares its own SetUpTestSuite() calling start_node().

#include <gtest/gtest.h>

#include <memory>

#include "tests/support/node_process.hpp"

namespace chronicle::testing {

class node_suite : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  void SetUp() override;
  static std::uint16_t port();
  static void start_node(std::vector<std::string> extra_args);

 private:
  static inline std::unique_ptr<node_process> node_;
};

}  // namespace chronicle::testing
