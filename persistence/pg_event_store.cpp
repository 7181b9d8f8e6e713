#include "persistence/pg_event_store.hpp"

#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <random>
#include <thread>

#include "domain/event_codec.hpp"
#include "persistence/pg_event_rows.hpp"
#include "persistence/pg_statements.hpp"

namespace chronicle::persistence {
namespace {

constexpr int append_attempts_max = 8;
constexpr int backoff_base_ms = 5;
constexpr int backoff_cap_ms = 500;

void backoff(int attempt) {
  thread_local std::mt19937 generator{std::random_device{}()};
  const int ceiling = std::min(backoff_cap_ms, backoff_base_ms << std::min(attempt, 10));
  std::uniform_int_distribution<int> pick{ceiling / 2, ceiling};
  std::this_thread::sleep_for(std::chrono::milliseconds{pick(generator)});
}

}  // namespace

pg_event_store::pg_event_store(std::string connection_string, fault_hook hook)
    : db_{std::move(connection_string)}, hook_{std::move(hook)} {}

pg_event_store::~pg_event_store() = default;

namespace {

// Decodes selected event rows; one undecodable row makes the page corrupt.
result<std::vector<domain::event>, store_error> decode_rows(const pqxx::result& rows) {
  std::vector<domain::event> out;
  out.reserve(rows.size());
  for (const auto& row : rows) {
    auto decoded = decode_event_row(row);
    if (!decoded) {
      std::fprintf(stderr, "event store: account %s version %s: %s\n", row[0].c_str(),
                   row[1].c_str(), decoded.error().c_str());
      return failure(store_error::corrupt);
    }
    out.push_back(std::move(*decoded));
  }
  return out;
}

}  // namespace

result<std::vector<domain::event>, store_error> pg_event_store::read(const std::string& account_id,
                                                                     std::int64_t from_version,
                                                                     std::size_t limit) {
  using events = std::vector<domain::event>;
  return db_.guarded<events>("read", [&] {
    pqxx::read_transaction txn{db_.get()};
    return decode_rows(
        txn.exec_params(sql::read_events(), account_id, from_version,
                        static_cast<std::int64_t>(std::min(limit, read_events_max))));
  });
}

result<std::vector<domain::event>, store_error> pg_event_store::scan(
    const std::string& after_account_id, std::int64_t after_version, std::size_t limit) {
  using events = std::vector<domain::event>;
  return db_.guarded<events>("scan", [&] {
    pqxx::read_transaction txn{db_.get()};
    return decode_rows(
        txn.exec_params(sql::scan_events(), after_account_id, after_version,
                        static_cast<std::int64_t>(std::min(limit, read_events_max))));
  });
}

result<std::vector<domain::event>, store_error> pg_event_store::read_at_one_instant(
    const std::vector<account_cursor>& cursors, std::size_t limit) {
  using events = std::vector<domain::event>;
  if (cursors.empty()) return events{};
  if (cursors.size() > snapshot_accounts_max) return failure(store_error::failed);
  std::vector<std::string> params;
  for (const auto& c : cursors) {
    params.insert(params.end(), {c.account_id, std::to_string(c.after_version)});
  }
  // One statement in a snapshot transaction: every account is read at the same
  // instant, and sees exactly the transactions committed before it. Appends
  // that touch the same account are ordered by their commits (the second one's
  // insert of that version would fail), so each account's part of the snapshot
  // is a prefix of its history in that order.
  const std::string text =
      sql::read_at_one_instant(cursors.size(), std::min(limit, read_events_max));
  return db_.guarded<events>("read_at_one_instant", [&]() -> result<events, store_error> {
    for (int attempt = 1;; ++attempt) {
      try {
        pqxx::transaction<pqxx::repeatable_read, pqxx::read_only> txn{db_.get()};
        auto page = decode_rows(txn.exec_params(text, pqxx::prepare::make_dynamic_params(params)));
        txn.commit();
        return page;
      } catch (const pqxx::transaction_rollback&) {
        if (attempt >= append_attempts_max) return failure(store_error::unavailable);
        backoff(attempt);
      }
    }
  });
}

result<std::vector<command_record>, store_error> pg_event_store::find_commands(
    const std::vector<std::string>& keys) {
  if (keys.empty()) return std::vector<command_record>{};
  return db_.guarded<std::vector<command_record>>("find_commands", [&] {
    pqxx::read_transaction txn{db_.get()};
    const auto rows =
        txn.exec_params(sql::find_commands(keys.size()), pqxx::prepare::make_dynamic_params(keys));
    std::vector<command_record> out;
    for (const auto& row : rows) {
      out.push_back(command_record{row[0].as<std::string>(), row[1].as<std::string>(),
                                   row[2].as<std::string>(), row[3].as<std::string>()});
    }
    return out;
  });
}

void pg_event_store::write_batch(const append_batch& batch) {
  pqxx::transaction<pqxx::serializable> txn{db_.get()};
  if (!batch.events.empty()) {
    std::vector<std::string> params;
    std::vector<std::string> outbox;
    for (const auto& e : batch.events) {
      params.insert(
          params.end(),
          {e.account_id, std::to_string(e.version), e.event_id,
           std::string{domain::event_type_name(e.body)}, std::to_string(e.schema_version), e.data,
           e.command_id, domain::format_instant(e.occurred_at), e.prev_hash, e.hash, e.issued_by});
      outbox.insert(outbox.end(), {e.event_id, e.account_id, std::to_string(e.version)});
    }
    const char* event_casts[] = {"", "::BIGINT",      "::UUID", "", "::INT", "::JSONB",
                                 "", "::TIMESTAMPTZ", "",       "", ""};
    txn.exec_params(
        "INSERT INTO events (account_id, version, event_id, event_type,"
        " schema_version, payload, command_id, occurred_at, prev_hash, hash, issued_by)"
        " VALUES " +
            values_clause(batch.events.size(), 11, event_casts),
        pqxx::prepare::make_dynamic_params(params));
    const char* outbox_casts[] = {"::UUID", "", "::BIGINT"};
    txn.exec_params("INSERT INTO outbox (event_id, account_id, version) VALUES " +
                        values_clause(batch.events.size(), 3, outbox_casts),
                    pqxx::prepare::make_dynamic_params(outbox));
  }
  if (!batch.snapshots.empty()) {
    std::vector<std::string> params;
    for (const auto& snap : batch.snapshots) {
      params.insert(params.end(), {snap.account_id, std::to_string(snap.version), snap.state,
                                   snap.hash, domain::format_instant(snap.occurred_at)});
    }
    const char* casts[] = {"", "::BIGINT", "::JSONB", "", "::TIMESTAMPTZ"};
    txn.exec_params(
        "INSERT INTO snapshots (account_id, version, state, hash, occurred_at) VALUES " +
            values_clause(batch.snapshots.size(), 5, casts),
        pqxx::prepare::make_dynamic_params(params));
  }
  if (!batch.commands.empty()) {
    std::vector<std::string> params;
    for (const auto& c : batch.commands) {
      params.insert(params.end(), {c.idempotency_key, c.account_id, c.fingerprint, c.response});
    }
    const char* casts[] = {"", "", "", "::JSONB"};
    txn.exec_params(
        "INSERT INTO commands (idempotency_key, account_id, fingerprint, response)"
        " VALUES " +
            values_clause(batch.commands.size(), 4, casts),
        pqxx::prepare::make_dynamic_params(params));
  }
  if (hook_) hook_(fault_point::before_commit, db_.get().sock());
  txn.commit();
  if (hook_) hook_(fault_point::after_commit, db_.get().sock());
}

pg_event_store::commit_state pg_event_store::resolve_ambiguous(const append_batch& batch) {
  try {
    pqxx::read_transaction txn{db_.get()};
    pqxx::result rows;
    if (!batch.events.empty()) {
      rows = txn.exec_params("SELECT 1 FROM events WHERE event_id = $1::UUID",
                             batch.events.front().event_id);
    } else if (!batch.commands.empty()) {
      rows = txn.exec_params("SELECT 1 FROM commands WHERE idempotency_key = $1",
                             batch.commands.front().idempotency_key);
    }
    return rows.empty() ? commit_state::not_committed : commit_state::committed;
  } catch (const std::exception&) {
    db_.reset();
    return commit_state::unknown;
  }
}

result<done, store_error> pg_event_store::append(const append_batch& batch) {
  if (batch.events.empty() && batch.commands.empty()) return done{};
  for (int attempt = 1;; ++attempt) {
    try {
      write_batch(batch);
      return done{};
    } catch (const pqxx::unique_violation&) {
      return failure(store_error::conflict);
    } catch (const pqxx::transaction_rollback&) {
      // Serialization failure or deadlock: nothing was written; try again.
    } catch (const pqxx::in_doubt_error&) {
      db_.reset();
      switch (resolve_ambiguous(batch)) {
        case commit_state::committed: return done{};
        case commit_state::unknown: return failure(store_error::unavailable);
        case commit_state::not_committed: break;
      }
    } catch (const pqxx::broken_connection& e) {
      // Lost before COMMIT was sent: nothing was written. One fresh connection
      // is worth a try (the server may have restarted); after that, give up.
      db_.reset();
      if (attempt >= 2) {
        db_.report_unavailable("append", e.what());
        return failure(store_error::unavailable);
      }
      continue;
    } catch (const pqxx::insufficient_privilege& e) {
      db_.report_refused("append", e.what());
      db_.reset();
      return failure(store_error::failed);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "event store: append failed: %s\n", db_.redacted(e.what()).c_str());
      db_.reset();
      return failure(store_error::failed);
    }
    if (attempt >= append_attempts_max) return failure(store_error::unavailable);
    backoff(attempt);
  }
}

namespace {

// A snapshot row as stored; a row the decoder cannot even place (no instant) keeps
// occurred_at 0, which no restore accepts, so load_state_at passes it over.
domain::state_snapshot snapshot_row(const pqxx::row& row) {
  domain::state_snapshot out;
  out.account_id = row[0].as<std::string>();
  out.version = row[1].as<std::int64_t>();
  out.state = row[2].as<std::string>();
  out.hash = row[3].as<std::string>();
  if (!row[4].is_null()) out.occurred_at = domain::parse_instant(row[4].c_str()).value_or(0);
  return out;
}

}  // namespace

result<std::optional<domain::state_snapshot>, store_error> pg_event_store::latest_snapshot(
    const std::string& account_id, std::int64_t at_most_version) {
  using answer = std::optional<domain::state_snapshot>;
  return db_.guarded<answer>("latest_snapshot", [&] {
    pqxx::read_transaction txn{db_.get()};
    const auto rows = txn.exec_params(sql::latest_snapshot(), account_id, at_most_version);
    return rows.empty() ? answer{} : answer{snapshot_row(rows[0])};
  });
}

result<std::vector<domain::state_snapshot>, store_error> pg_event_store::read_snapshots(
    const std::string& account_id, std::int64_t from_version, std::size_t limit) {
  using answer = std::vector<domain::state_snapshot>;
  return db_.guarded<answer>("read_snapshots", [&] {
    pqxx::read_transaction txn{db_.get()};
    const auto rows = txn.exec_params(sql::read_snapshots(), account_id, from_version,
                                      static_cast<std::int64_t>(std::min(limit, read_events_max)));
    answer out;
    for (const auto& row : rows) out.push_back(snapshot_row(row));
    return out;
  });
}

result<std::int64_t, store_error> pg_event_store::version_at(const std::string& account_id,
                                                             std::optional<domain::micros> at) {
  // Events are dated by the clock, never before the epoch; and a year before 1 AD, which
  // a client may ask about, has no text form that PostgreSQL reads.
  if (at && *at < 0) return std::int64_t{0};
  return db_.guarded<std::int64_t>("version_at", [&] {
    pqxx::read_transaction txn{db_.get()};
    // Both walk one index backwards and stop at the first row: the primary key, or
    // events_by_account_time (account_id, occurred_at, version).
    const auto rows =
        at ? txn.exec_params(sql::version_at(), account_id, domain::format_instant(*at))
           : txn.exec_params(sql::latest_version(), account_id);
    return rows.empty() ? std::int64_t{0} : rows[0][0].as<std::int64_t>();
  });
}

result<std::vector<account_head>, store_error> pg_event_store::heads(
    const std::string& after_account_id, std::size_t limit) {
  using answer = std::vector<account_head>;
  limit = std::min(limit, heads_accounts_max);
  if (limit == 0) return answer{};
  return db_.guarded<answer>("heads", [&] {
    pqxx::read_transaction txn{db_.get()};
    answer out;
    for (const auto& row :
         txn.exec_params(sql::event_heads(), after_account_id, static_cast<int>(limit))) {
      out.push_back(account_head{row[0].as<std::string>(), row[1].as<std::int64_t>(),
                                 domain::parse_instant(row[2].c_str()).value_or(0)});
    }
    return out;
  });
}

result<domain::micros, store_error> pg_event_store::newest_event_time() {
  return db_.guarded<domain::micros>("newest_event_time", [&] {
    pqxx::read_transaction txn{db_.get()};
    const auto rows = txn.exec(sql::newest_event_time());
    if (rows.empty() || rows[0][0].is_null()) return domain::micros{0};
    return domain::parse_instant(rows[0][0].c_str()).value_or(0);
  });
}

}  // namespace chronicle::persistence
