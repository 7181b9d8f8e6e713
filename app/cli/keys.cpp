// chronicle keys: create, list and revoke the API keys a node accepts (http/api_keys.hpp).

#include <algorithm>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "app/cli/command.hpp"
#include "domain/ids.hpp"
#include "http/api_keys.hpp"

namespace chronicle::app::cli {
namespace {

constexpr const char* keys_overview =
    "chronicle keys: the API keys a node accepts (the file chronicled --api-keys reads; a\n"
    "running node picks up changes within a second). The file holds only hashes of the keys.\n\n"
    "  create --id ID --role auditor|operator|admin [--replace]\n"
    "           add a key and print its token, once: store it now\n"
    "  list     the keys: id, role, created\n"
    "  revoke --id ID\n"
    "           remove a key; requests with it get 401 from then on\n\n"
    "Each takes --file FILE (or CHRONICLE_API_KEYS).\n";

const option_spec keys_file_option{"file", "CHRONICLE_API_KEYS", "",
                                   "the API keys file (created if missing)"};

// The keys file's path and its keys, or an exit code.
std::optional<int> load_keys(const char* action, const options& opts,
                             std::vector<http::api_key>& keys) {
  if (opts.get("file").empty()) {
    std::fprintf(stderr, "chronicle keys %s: which keys file? --file FILE\n", action);
    return 2;
  }
  auto read = http::read_keys_file(opts.get("file"));
  if (!read) {
    std::fprintf(stderr, "chronicle keys %s: %s\n", action, read.error().c_str());
    return 1;
  }
  keys = std::move(*read);
  return std::nullopt;
}

int save_keys(const char* action, const options& opts, const std::vector<http::api_key>& keys) {
  const auto written = http::write_keys_file(opts.get("file"), keys);
  if (!written) {
    std::fprintf(stderr, "chronicle keys %s: %s\n", action, written.error().c_str());
    return 1;
  }
  return 0;
}

int keys_create(int argc, char** argv) {
  std::optional<options> opts;
  if (auto stop = parse("keys create", "add an API key and print its token once.",
                        {keys_file_option,
                         {"id", "", "", "the key's name: 1-32 of a-z, 0-9, '-'"},
                         {"role", "", "", "auditor, operator or admin"},
                         {"replace", "", "", "replace a key of the same id", true}},
                        argc, argv, opts, 3)) {
    return *stop;
  }
  const auto& id = opts->get("id");
  const auto role = http::parse_role(opts->get("role"));
  if (!http::valid_key_id(id) || !role) {
    std::fprintf(stderr,
                 "chronicle keys create: --id must be 1-32 of a-z, 0-9, '-' and --role one of "
                 "auditor, operator, admin\n");
    return 2;
  }
  std::vector<http::api_key> keys;
  if (auto stop = load_keys("create", *opts, keys)) return *stop;
  const auto same =
      std::find_if(keys.begin(), keys.end(), [&](const auto& k) { return k.id == id; });
  if (same != keys.end() && !opts->enabled("replace")) {
    std::fprintf(stderr, "chronicle keys create: the key %s exists (--replace to replace it)\n",
                 id.c_str());
    return 1;
  }
  if (same != keys.end()) keys.erase(same);
  auto issued = http::issue_key(id, *role, domain::now_micros());
  if (!issued) {
    std::fprintf(stderr, "chronicle keys create: no randomness for a key\n");
    return 1;
  }
  keys.push_back(issued->key);
  if (const int status = save_keys("create", *opts, keys)) return status;
  std::fprintf(stderr, "chronicle keys: key %s (%s) added to %s; its token follows, shown once\n",
               id.c_str(), opts->get("role").c_str(), opts->get("file").c_str());
  std::printf("%s\n", issued->token.c_str());
  return 0;
}

int keys_list(int argc, char** argv) {
  std::optional<options> opts;
  if (auto stop =
          parse("keys list", "list the API keys.", {keys_file_option}, argc, argv, opts, 3)) {
    return *stop;
  }
  std::vector<http::api_key> keys;
  if (auto stop = load_keys("list", *opts, keys)) return *stop;
  for (const auto& k : keys) {
    std::printf("%-32s %-8s %s\n", k.id.c_str(), std::string{http::role_name(k.role)}.c_str(),
                domain::format_instant(k.created_at).c_str());
  }
  return 0;
}

int keys_revoke(int argc, char** argv) {
  std::optional<options> opts;
  if (auto stop =
          parse("keys revoke", "remove an API key.",
                {keys_file_option, {"id", "", "", "the key to remove"}}, argc, argv, opts, 3)) {
    return *stop;
  }
  std::vector<http::api_key> keys;
  if (auto stop = load_keys("revoke", *opts, keys)) return *stop;
  const auto& id = opts->get("id");
  const auto same =
      std::find_if(keys.begin(), keys.end(), [&](const auto& k) { return k.id == id; });
  if (same == keys.end()) {
    std::fprintf(stderr, "chronicle keys revoke: no key %s in %s\n", id.c_str(),
                 opts->get("file").c_str());
    return 1;
  }
  keys.erase(same);
  if (const int status = save_keys("revoke", *opts, keys)) return status;
  std::fprintf(stderr, "chronicle keys: key %s revoked\n", id.c_str());
  return 0;
}

}  // namespace

int keys(int argc, char** argv) {
  const std::string action = argc > 2 ? argv[2] : "";
  if (action == "create") return keys_create(argc, argv);
  if (action == "list") return keys_list(argc, argv);
  if (action == "revoke") return keys_revoke(argc, argv);
  const bool help = action == "help" || action == "--help";
  std::fprintf(help ? stdout : stderr, "%s", keys_overview);
  return help ? 0 : 2;
}

}  // namespace chronicle::app::cli
