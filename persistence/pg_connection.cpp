#include "persistence/pg_connection.hpp"

#include <pqxx/nontransaction>

namespace chronicle::persistence {
namespace {

// libpq's messages end with a newline; ours put them mid-line.
std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

constexpr const char* session_setup = "SET TIME ZONE 'UTC'; SET statement_timeout = 5000";

}  // namespace

pg_connection::pg_connection(std::string connection_string)
    : connection_string_{std::move(connection_string)} {}

pqxx::connection& pg_connection::get() {
  if (!connection_ || !connection_->is_open()) {
    connection_.reset();
    auto conn = std::make_unique<pqxx::connection>(connection_string_);
    pqxx::nontransaction setup{*conn};
    setup.exec(session_setup);
    setup.commit();
    connection_ = std::move(conn);
  }
  return *connection_;
}

std::string pg_connection::redacted(const std::string& text) const {
  return domain::redact_secrets(text, {connection_string_});
}

std::string pg_connection::role() const {
  if (connection_ && connection_->is_open()) return connection_->username();
  const auto redacted_string = domain::redact_connection_string(connection_string_);
  const auto at = redacted_string.find("user=");
  if (at == std::string::npos) return "(the default user)";
  const auto end = redacted_string.find(' ', at);
  return redacted_string.substr(at + 5, end == std::string::npos ? end : end - at - 5);
}

void pg_connection::report_unavailable(const char* what, const std::string& message) {
  // A node retries a lost database all the time: say so once, not per attempt.
  auto text = trimmed(redacted(message));
  if (text == last_failure_) return;
  std::fprintf(stderr, "postgres: %s: database unavailable (%s): %s\n", what,
               domain::redact_connection_string(connection_string_).c_str(), text.c_str());
  last_failure_ = std::move(text);
}

void pg_connection::report_refused(const char* what, const std::string& message) const {
  std::fprintf(stderr,
               "postgres: %s refused: role %s lacks a privilege it needs: %s (this connection "
               "string names the wrong role, or the migrations that grant it did not run; see "
               "docs/SECURITY.md, \"Database roles\")\n",
               what, role().c_str(), trimmed(redacted(message)).c_str());
}

std::string values_clause(std::size_t rows, std::size_t width, const char* const* casts) {
  std::string sql;
  std::size_t n = 0;
  for (std::size_t r = 0; r < rows; ++r) {
    sql += r == 0 ? "(" : ",(";
    for (std::size_t c = 0; c < width; ++c) {
      if (c != 0) sql += ',';
      sql += '$' + std::to_string(++n);
      if (casts != nullptr) sql += casts[c];
    }
    sql += ')';
  }
  return sql;
}

}  // namespace chronicle::persistence
