#pragma once

// API keys: who may call the HTTP API, and as which role.
//
// A key is a token `<key_id>.<secret>`: the id names the key in logs and in the events it
// issued (never the secret); the secret is 32 random bytes from OpenSSL's CSPRNG, as 64 hex
// characters. The keys file stores, per key, its id, role, creation time and the SHA-256 of
// the whole token, never the token: a token carries 256 bits of entropy, so a fast hash is
// enough to make the file useless to a reader (slow password hashes exist for low-entropy
// secrets). Tokens are compared by their hashes in constant time.
//
// The keys file (one key per line, '#' starts a comment):
//     <key_id> <role> <sha256-hex of the token> <created, ISO 8601>
// Key ids are 1 to 32 characters of a-z, 0-9 and '-', starting with a letter or digit.

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/ids.hpp"
#include "domain/result.hpp"
#include "http/routes.hpp"

namespace chronicle::http {

// auditor: queries only. operator: queries and commands. admin: everything an operator may,
// and the administrative operations.
enum class api_role { auditor, operator_, admin };

std::string_view role_name(api_role role);
std::optional<api_role> parse_role(std::string_view name);
bool role_allows(api_role role, access needed);

// The issuer recorded in events when authentication is off (--insecure-dev): not a valid
// key id, so no key can pose as it.
constexpr std::string_view insecure_principal = "(insecure-dev)";

constexpr std::size_t key_id_chars_max = 32;
// Keys beyond this in one file are refused: the file is read whole on every change.
constexpr std::size_t keys_max = 10'000;
bool valid_key_id(std::string_view id);

struct api_key {
  std::string id;
  api_role role = api_role::auditor;
  std::string token_sha256;
  domain::micros created_at = 0;
};

// The keys of a keys file, or the first line that is wrong and why.
domain::result<std::vector<api_key>, std::string> parse_keys(std::string_view text);
std::string format_keys(const std::vector<api_key>& keys);

struct issued_key {
  api_key key;
  std::string token;  // shown once, stored nowhere
};
// A new key with a fresh secret; nullopt only when the CSPRNG fails.
std::optional<issued_key> issue_key(std::string id, api_role role, domain::micros now);

// Reads `path`; a missing file is an empty list.
domain::result<std::vector<api_key>, std::string> read_keys_file(const std::string& path);
// Writes all of `keys` to `path` atomically (a temporary file renamed over it), mode 0600.
domain::result<bool, std::string> write_keys_file(const std::string& path,
                                                  const std::vector<api_key>& keys);

// The outcome of checking an Authorization header against the keys.
struct principal {
  std::string key_id;
  api_role role = api_role::auditor;
};
enum class auth_failure { missing, invalid };

// The keys a node accepts, from its keys file, re-read when the file changes (checked at
// most once per `recheck`), so keys are added and revoked without a restart. If a changed
// file cannot be read or parsed, the keys in force stay and the problem is logged once.
// Thread-safe.
class key_ring {
 public:
  // Fails when the file cannot be read or parsed, or holds no key.
  static domain::result<std::unique_ptr<key_ring>, std::string> open(
      std::string path, std::chrono::milliseconds recheck = std::chrono::seconds{1});

  // `authorization` is the header's value ("Bearer <token>"), empty when absent.
  domain::result<principal, auth_failure> authenticate(std::string_view authorization);

 private:
  key_ring(std::string path, std::chrono::milliseconds recheck);
  void reload_if_changed();

  std::string path_;
  std::chrono::milliseconds recheck_;
  std::mutex mutex_;
  std::chrono::steady_clock::time_point checked_at_{};
  std::string file_stamp_;  // size and modification time of the file last read
  std::shared_ptr<const std::vector<api_key>> keys_;
};

}  // namespace chronicle::http
