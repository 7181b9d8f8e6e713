// Secrets in connection strings are redacted in every form libpq and nats.c accept.

#include "domain/redact.hpp"

#include <gtest/gtest.h>

namespace chronicle::domain {
namespace {

TEST(redact, keyword_value_password_is_hidden_and_the_rest_kept) {
  EXPECT_EQ(redact_connection_string("host=db port=5432 user=app password=s3cr3t dbname=ledger"),
            "host=db port=5432 user=app password=*** dbname=ledger");
  EXPECT_EQ(redact_connection_string("password = s3cr3t host=db"), "password = *** host=db");
  EXPECT_EQ(redact_connection_string("host=a,b,c target_session_attrs=read-write"),
            "host=a,b,c target_session_attrs=read-write");
}

TEST(redact, quoted_password_with_spaces_and_escapes_is_hidden_whole) {
  EXPECT_EQ(redact_connection_string(R"(user=app password='my s\'ecret' host=db)"),
            "user=app password=*** host=db");
  EXPECT_EQ(redact_secrets(R"(failed for "my s'ecret")", {R"(password='my s\'ecret')"}),
            R"(failed for "***")");
}

TEST(redact, a_word_that_is_not_keyword_value_is_hidden_too) {
  // An unquoted password with a space: libpq complains about the second half.
  const std::string malformed = "user=app password=first second host=db";
  EXPECT_EQ(redact_connection_string(malformed), "user=app password=*** *** host=db");
  EXPECT_EQ(redact_secrets(R"(missing "=" after "second" in connection info string)", {malformed}),
            R"(missing "=" after "***" in connection info string)");
}

TEST(redact, uri_user_information_and_password_parameter_are_hidden) {
  EXPECT_EQ(redact_connection_string("postgresql://app:s3cr3t@db:5432/ledger?sslmode=require"),
            "postgresql://app:***@db:5432/ledger?sslmode=require");
  EXPECT_EQ(redact_connection_string("postgresql://app@db/ledger?password=s3cr3t&x=1"),
            "postgresql://***@db/ledger?password=***&x=1");
  EXPECT_EQ(redact_connection_string("nats://u:p1@a:4222,nats://tok@b:4222,c:4222"),
            "nats://u:***@a:4222,nats://***@b:4222,c:4222");
  EXPECT_EQ(redact_connection_string("nats://127.0.0.1:44222"), "nats://127.0.0.1:44222");
  EXPECT_EQ(redact_connection_string("u:p2@127.0.0.1:4222"), "u:***@127.0.0.1:4222");
}

TEST(redact, secrets_are_hidden_in_any_text_also_percent_decoded) {
  EXPECT_EQ(redact_secrets("auth as app with p@ss failed; p@ss again",
                           {"postgresql://app:p%40ss@db/ledger"}),
            "auth as app with *** failed; *** again");
  EXPECT_EQ(redact_secrets("nothing to hide", {"host=db user=app"}), "nothing to hide");
  EXPECT_EQ(redact_secrets("empty password", {"host=db password="}), "empty password");
}

}  // namespace
}  // namespace chronicle::domain
