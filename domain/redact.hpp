#pragma once

// Secrets in connection strings, kept out of everything we log or print.
//
// Every place that logs or prints a connection string, or a message that may
// quote one (libpq's, the server's, nats.c's), passes it through here first.
//
// Understood forms: libpq keyword/value ("host=h user=u password=p", values
// quoted or not, with \' and \\ escapes) and URIs ("postgresql://u:p@h/db",
// "nats://u:p@h:4222", comma-separated lists, "?password=p" parameters). In a
// keyword/value string a word that is not "keyword=value" (such as the second
// half of an unquoted password with a space) is treated as a secret too: the
// string is malformed and we cannot tell what the word is.

#include <string>
#include <string_view>
#include <vector>

namespace chronicle::domain {

inline constexpr const char* redacted = "***";

// The connection string with each secret replaced by "***"; the rest
// (host, port, database, user) stays readable.
std::string redact_connection_string(std::string_view connection);

// `text` with every occurrence of a secret of any of `connections` replaced
// by "***".
std::string redact_secrets(std::string text, const std::vector<std::string>& connections);

}  // namespace chronicle::domain
