#pragma once

// The subcommands of `chronicle`, the operator tool (app/chronicle.cpp dispatches on the first
// argument), one file each, and what they share: how a command parses its options and prints
// its help, the read-only auditor's connection option and the loopback node URLs.
//
// Each command takes main()'s argc and argv (argv[1] is the command's name) and answers the
// process's exit code: 0 done, 2 bad options; what 1 (and any other) means is in its --help.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "app/options.hpp"
#include "domain/result.hpp"

namespace chronicle::app::cli {

int migrate(int argc, char** argv);
int verify(int argc, char** argv);
int replay(int argc, char** argv);
int bank_test(int argc, char** argv);
int check(int argc, char** argv);
int keys(int argc, char** argv);
int simulate(int argc, char** argv);

// Parses a command's options from argv[first]; answers an exit code when the command should
// stop here (bad options: 2, --help: 0, the summary and usage printed).
std::optional<int> parse(const char* command, const char* summary, std::vector<option_spec> specs,
                         int argc, char** argv, std::optional<options>& out, int first = 2);

// Each command connects as the least privileged role that can do its work
// (docs/SECURITY.md, "Database roles"): verify and check as the auditor, who
// can only read; replay as the read-model writer; migrate as the owner.
option_spec auditor_events_db_option();

// "URL" or "URL,URL,…" (as `make cluster` prints CHRONICLE_NODE_URLS), each
// "http://127.0.0.1:8080/", "http://localhost:8080" or "127.0.0.1:8080": the
// nodes' ports, in order, at most `nodes_max`. Loopback only: the workloads
// never leave this machine.
domain::result<std::vector<std::uint16_t>, std::string> loopback_ports(const std::string& urls,
                                                                       std::size_t nodes_max);

}  // namespace chronicle::app::cli
