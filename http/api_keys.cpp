#include "http/api_keys.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "domain/event_codec.hpp"

namespace chronicle::http {
namespace {

constexpr std::size_t secret_bytes = 32;
constexpr std::size_t sha256_hex_chars = 64;
constexpr std::string_view bearer = "Bearer ";

bool is_hex(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::string hex(const unsigned char* bytes, std::size_t size) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < size; ++i) {
    out += digits[bytes[i] >> 4];
    out += digits[bytes[i] & 0x0F];
  }
  return out;
}

domain::result<api_key, std::string> parse_line(const std::string& line) {
  std::istringstream fields{line};
  std::string id, role, digest, created, extra;
  fields >> id >> role >> digest >> created;
  if (created.empty() || (fields >> extra)) {
    return domain::failure(std::string{"expected: <key_id> <role> <sha256> <created>"});
  }
  if (!valid_key_id(id)) return domain::failure("'" + id + "' is no key id");
  const auto parsed_role = parse_role(role);
  if (!parsed_role) return domain::failure("'" + role + "' is no role");
  if (digest.size() != sha256_hex_chars || !is_hex(digest)) {
    return domain::failure(std::string{"the hash must be 64 lower-case hex digits"});
  }
  const auto at = domain::parse_instant(created);
  if (!at) return domain::failure("'" + created + "' is no instant");
  return api_key{id, *parsed_role, digest, *at};
}

std::string stamp_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return "";
  return std::to_string(st.st_size) + ":" + std::to_string(st.st_mtim.tv_sec) + "." +
         std::to_string(st.st_mtim.tv_nsec) + ":" + std::to_string(st.st_ino);
}

}  // namespace

std::string_view role_name(api_role role) {
  switch (role) {
    case api_role::auditor: return "auditor";
    case api_role::operator_: return "operator";
    case api_role::admin: return "admin";
  }
  return "";
}

std::optional<api_role> parse_role(std::string_view name) {
  for (auto role : {api_role::auditor, api_role::operator_, api_role::admin}) {
    if (role_name(role) == name) return role;
  }
  return std::nullopt;
}

bool role_allows(api_role role, access needed) {
  switch (needed) {
    case access::open:
    case access::read: return true;
    case access::write: return role != api_role::auditor;
  }
  return false;
}

bool valid_key_id(std::string_view id) {
  if (id.empty() || id.size() > key_id_chars_max || id.front() == '-') return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

domain::result<std::vector<api_key>, std::string> parse_keys(std::string_view text) {
  std::vector<api_key> keys;
  std::istringstream lines{std::string{text}};
  std::string line;
  for (int number = 1; std::getline(lines, line); ++number) {
    const auto content = line.substr(0, line.find('#'));
    if (content.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto key = parse_line(content);
    if (!key) return domain::failure("line " + std::to_string(number) + ": " + key.error());
    for (const auto& other : keys) {
      if (other.id == key->id) {
        return domain::failure("line " + std::to_string(number) + ": the key id " + key->id +
                               " appears twice");
      }
    }
    if (keys.size() == keys_max) {
      return domain::failure("more than " + std::to_string(keys_max) + " keys");
    }
    keys.push_back(std::move(*key));
  }
  return keys;
}

std::string format_keys(const std::vector<api_key>& keys) {
  std::string out = "# ChronicleLedger API keys: <key_id> <role> <sha256 of the token> <created>\n";
  for (const auto& k : keys) {
    out += k.id + " " + std::string{role_name(k.role)} + " " + k.token_sha256 + " " +
           domain::format_instant(k.created_at) + "\n";
  }
  return out;
}

std::optional<issued_key> issue_key(std::string id, api_role role, domain::micros now) {
  std::array<unsigned char, secret_bytes> secret{};
  if (RAND_bytes(secret.data(), static_cast<int>(secret.size())) != 1) return std::nullopt;
  issued_key out;
  out.token = id + "." + hex(secret.data(), secret.size());
  OPENSSL_cleanse(secret.data(), secret.size());
  out.key = api_key{std::move(id), role, domain::sha256_hex(out.token), now};
  return out;
}

domain::result<std::vector<api_key>, std::string> read_keys_file(const std::string& path) {
  std::ifstream in{path};
  if (!in) {
    if (stamp_of(path).empty()) return std::vector<api_key>{};
    return domain::failure("cannot read the keys file " + path);
  }
  std::ostringstream text;
  text << in.rdbuf();
  auto keys = parse_keys(text.str());
  if (!keys) return domain::failure(path + ": " + keys.error());
  return keys;
}

domain::result<bool, std::string> write_keys_file(const std::string& path,
                                                  const std::vector<api_key>& keys) {
  const auto temporary = path + ".tmp";
  const auto previous_mask = ::umask(077);
  {
    std::ofstream out{temporary, std::ios::trunc};
    out << format_keys(keys);
    out.flush();
    if (!out) {
      ::umask(previous_mask);
      return domain::failure("cannot write " + temporary);
    }
  }
  ::umask(previous_mask);
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    return domain::failure("cannot replace " + path);
  }
  return true;
}

key_ring::key_ring(std::string path, std::chrono::milliseconds recheck)
    : path_{std::move(path)}, recheck_{recheck} {}

domain::result<std::unique_ptr<key_ring>, std::string> key_ring::open(
    std::string path, std::chrono::milliseconds recheck) {
  const auto stamp = stamp_of(path);
  if (stamp.empty()) return domain::failure("the keys file " + path + " does not exist");
  auto keys = read_keys_file(path);
  if (!keys) return domain::failure(keys.error());
  if (keys->empty()) return domain::failure("the keys file " + path + " holds no key");
  std::unique_ptr<key_ring> ring{new key_ring{std::move(path), recheck}};
  ring->file_stamp_ = stamp;
  ring->checked_at_ = std::chrono::steady_clock::now();
  ring->keys_ = std::make_shared<const std::vector<api_key>>(std::move(*keys));
  return ring;
}

void key_ring::reload_if_changed() {
  const auto now = std::chrono::steady_clock::now();
  if (now - checked_at_ < recheck_) return;
  checked_at_ = now;
  const auto stamp = stamp_of(path_);
  if (stamp == file_stamp_) return;
  file_stamp_ = stamp;
  auto keys = read_keys_file(path_);
  if (!keys) {
    std::fprintf(stderr, "chronicled: keeping the API keys in force: %s\n", keys.error().c_str());
    return;
  }
  keys_ = std::make_shared<const std::vector<api_key>>(std::move(*keys));
  std::fprintf(stderr, "chronicled: API keys reloaded from %s: %zu keys\n", path_.c_str(),
               keys_->size());
}

domain::result<principal, auth_failure> key_ring::authenticate(std::string_view authorization) {
  if (authorization.empty()) return domain::failure(auth_failure::missing);
  if (authorization.substr(0, bearer.size()) != bearer) {
    return domain::failure(auth_failure::invalid);
  }
  const auto token = authorization.substr(bearer.size());
  const auto dot = token.find('.');
  if (dot == std::string_view::npos || !valid_key_id(token.substr(0, dot))) {
    return domain::failure(auth_failure::invalid);
  }
  std::shared_ptr<const std::vector<api_key>> keys;
  {
    std::lock_guard<std::mutex> lock{mutex_};
    reload_if_changed();
    keys = keys_;
  }
  const auto digest = domain::sha256_hex(token);
  for (const auto& key : *keys) {
    if (key.id != token.substr(0, dot)) continue;
    if (CRYPTO_memcmp(key.token_sha256.data(), digest.data(), sha256_hex_chars) != 0) break;
    return principal{key.id, key.role};
  }
  return domain::failure(auth_failure::invalid);
}

}  // namespace chronicle::http
