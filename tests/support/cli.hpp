#pragma once

// Runs the `chronicle` CLI (the binary named by $CHRONICLE_CLI) as an operator
// would, with the test's environment (checked first: see require_test_stack()).

#include <string>

namespace chronicle::testing {

struct cli_output {
  int exit_code = -1;
  std::string output;  // stdout, and stderr interleaved unless it was dropped
};

enum class stderr_output { captured, dropped };

// `args` goes through the shell: quote values with spaces in single quotes.
cli_output run_cli(const std::string& args, stderr_output err = stderr_output::captured);

// Runs any shell command the same way.
cli_output run_command(const std::string& command, stderr_output err = stderr_output::captured);

}  // namespace chronicle::testing
