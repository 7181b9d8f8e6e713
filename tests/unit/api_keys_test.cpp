// API keys: the keys file, issuing, and authenticating a Bearer header against a key ring
// that follows its file.

#include "http/api_keys.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "domain/event_codec.hpp"

namespace chronicle::http {
namespace {

using namespace std::chrono_literals;

constexpr domain::micros created = 1'764'154'117'000'000;  // 2025-11-26T10:48:37Z

issued_key issue(const char* id, api_role role) {
  auto k = issue_key(id, role, created);
  EXPECT_TRUE(k.has_value());
  return *k;
}

std::string temp_path(const char* name) {
  return "/tmp/chronicle-api-keys-test-" + std::to_string(::getpid()) + "-" + name;
}

TEST(api_keys, given_issued_key_then_token_is_id_dot_64_hex_and_only_its_hash_is_kept) {
  const auto k = issue("ops-1", api_role::operator_);
  ASSERT_EQ(k.token.size(), std::string{"ops-1."}.size() + 64);
  EXPECT_EQ(k.token.rfind("ops-1.", 0), 0u);
  EXPECT_EQ(k.key.token_sha256, domain::sha256_hex(k.token));
  EXPECT_EQ(format_keys({k.key}).find(k.token.substr(6)), std::string::npos)
      << "the secret must not be written";
  EXPECT_NE(issue("ops-1", api_role::operator_).token, k.token) << "fresh randomness each time";
}

TEST(api_keys, given_keys_when_formatted_and_parsed_then_same_keys) {
  const std::vector<api_key> keys{issue("a", api_role::auditor).key,
                                  issue("b-2", api_role::admin).key};
  const auto back = parse_keys(format_keys(keys));
  ASSERT_TRUE(back.ok()) << back.error();
  ASSERT_EQ(back->size(), 2u);
  EXPECT_EQ((*back)[1].id, "b-2");
  EXPECT_EQ((*back)[1].role, api_role::admin);
  EXPECT_EQ((*back)[1].token_sha256, keys[1].token_sha256);
  EXPECT_EQ((*back)[1].created_at, created);
}

TEST(api_keys, given_malformed_keys_file_then_the_line_and_why) {
  const std::string hash(64, 'a');
  const std::string at = " 2025-11-26T10:48:37.000000Z";
  for (const std::string& bad : std::vector<std::string>{
           "Ops auditor " + hash + at,            // upper case id
           "-ops auditor " + hash + at,           // leading dash
           "ops root " + hash + at,               // unknown role
           "ops auditor " + hash.substr(1) + at,  // short hash
           "ops auditor " + std::string(64, 'A') + at,
           "ops auditor " + hash,  // no time
           "ops auditor " + hash + at + " extra",
           "ops auditor " + hash + at + "\nops admin " + hash + at,  // id twice
       }) {
    const auto parsed = parse_keys("# comment\n\n" + bad + "\n");
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.error().rfind("line ", 0), 0u) << parsed.error();
  }
  EXPECT_TRUE(parse_keys("# only a comment\n\n").ok());
}

TEST(api_keys, given_roles_then_auditors_read_and_operators_and_admins_also_write) {
  EXPECT_TRUE(role_allows(api_role::auditor, access::read));
  EXPECT_FALSE(role_allows(api_role::auditor, access::write));
  EXPECT_TRUE(role_allows(api_role::operator_, access::write));
  EXPECT_TRUE(role_allows(api_role::admin, access::write));
  for (auto role : {api_role::auditor, api_role::operator_, api_role::admin}) {
    EXPECT_EQ(parse_role(role_name(role)), role);
  }
  EXPECT_FALSE(parse_role("operator_").has_value());
}

class key_rings : public ::testing::Test {
 protected:
  void SetUp() override {
    ops_ = issue("ops", api_role::operator_);
    audit_ = issue("audit", api_role::auditor);
    ASSERT_TRUE(write_keys_file(path_, {ops_.key, audit_.key}).ok());
  }
  void TearDown() override { ::unlink(path_.c_str()); }

  std::unique_ptr<key_ring> open_ring(std::chrono::milliseconds recheck = 0ms) {
    auto ring = key_ring::open(path_, recheck);
    EXPECT_TRUE(ring.ok()) << ring.error();
    return std::move(*ring);
  }

  const std::string path_ = temp_path("ring");
  issued_key ops_;
  issued_key audit_;
};

TEST_F(key_rings, given_keys_file_then_written_for_its_owner_only) {
  struct stat st {};
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(key_rings, given_bearer_tokens_then_only_exact_tokens_authenticate) {
  auto ring = open_ring();
  const auto ok = ring->authenticate("Bearer " + ops_.token);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->key_id, "ops");
  EXPECT_EQ(ok->role, api_role::operator_);
  EXPECT_EQ(ring->authenticate("Bearer " + audit_.token)->role, api_role::auditor);

  EXPECT_EQ(ring->authenticate("").error(), auth_failure::missing);
  auto flipped = ops_.token;
  flipped.back() = flipped.back() == '0' ? '1' : '0';
  const auto other_id = "audit" + ops_.token.substr(3);  // ops' secret under another id
  for (const std::string& bad : std::vector<std::string>{
           "Bearer " + flipped, "Bearer " + other_id, "bearer " + ops_.token, "Basic " + ops_.token,
           "Bearer", "Bearer ", "Bearer " + ops_.token + " ", "Bearer ops", "Bearer .abc",
           "Bearer nobody." + ops_.token.substr(4), ops_.token}) {
    EXPECT_EQ(ring->authenticate(bad).error(), auth_failure::invalid) << bad;
  }
}

TEST_F(key_rings, given_key_revoked_in_the_file_then_refused_without_restart) {
  auto ring = open_ring();
  ASSERT_TRUE(ring->authenticate("Bearer " + audit_.token).ok());
  const auto added = issue("late", api_role::admin);
  ASSERT_TRUE(write_keys_file(path_, {ops_.key, added.key}).ok());
  EXPECT_FALSE(ring->authenticate("Bearer " + audit_.token).ok());
  EXPECT_EQ(ring->authenticate("Bearer " + added.token)->role, api_role::admin);
}

TEST_F(key_rings, given_changed_file_is_broken_then_keys_in_force_stay) {
  auto ring = open_ring();
  { std::ofstream{path_, std::ios::trunc} << "this is not a keys file\n"; }
  EXPECT_TRUE(ring->authenticate("Bearer " + ops_.token).ok());
}

TEST_F(key_rings, given_no_file_or_no_key_then_the_ring_does_not_open) {
  EXPECT_FALSE(key_ring::open(temp_path("missing")).ok());
  ASSERT_TRUE(write_keys_file(path_, {}).ok());
  EXPECT_FALSE(key_ring::open(path_).ok());
}

}  // namespace
}  // namespace chronicle::http
