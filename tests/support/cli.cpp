#include "tests/support/cli.hpp"

#include <sys/wait.h>

#include <cstdio>

#include "tests/support/node_process.hpp"

namespace chronicle::testing {

cli_output run_command(const std::string& command, stderr_output err) {
  cli_output out;
  const char* redirect = err == stderr_output::captured ? " 2>&1" : " 2>/dev/null";
  FILE* pipe = ::popen((command + redirect).c_str(), "r");
  if (pipe == nullptr) return out;
  char buffer[4096];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) out.output += buffer;
  const int status = ::pclose(pipe);
  out.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

cli_output run_cli(const std::string& args, stderr_output err) {
  require_test_stack();
  return run_command(env_or("CHRONICLE_CLI", "build/bin/chronicle") + " " + args, err);
}

}  // namespace chronicle::testing
