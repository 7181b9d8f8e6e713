#pragma once

// Runs the `chronicle` CLI (the binary named by $CHRONICLE_CLI) as an operator
// would, with the test's environment.

#include <string>

namespace chronicle::testing {

struct cli_output {
  int exit_code = -1;
  std::string output;  // stdout and stderr, interleaved
};

// `args` goes through the shell: quote values with spaces in single quotes.
cli_output run_cli(const std::string& args);

// Runs any shell command the same way (stdout and stderr captured).
cli_output run_command(const std::string& command);

}  // namespace chronicle::testing
