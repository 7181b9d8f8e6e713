#include "persistence/pg_event_store.hpp"

#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <random>
#include <set>
#include <thread>

#include "domain/event_codec.hpp"
#include "persistence/pg_event_rows.hpp"
#include "persistence/pg_statements.hpp"

namespace chronicle::persistence {
namespace {

constexpr int append_attempts_max = 8;
constexpr int backoff_base_ms = 5;
constexpr int backoff_cap_ms = 500;
// How long resolving an ambiguous COMMIT waits for the earlier try to end; below the
// session's statement timeout (pg_connection.cpp), so that the wait, not the statement,
// times out.
constexpr int resolve_wait_ms = 4000;

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

// Points snapshot_ at the snapshot's transaction for as long as it is open.
class snapshot_scope {
 public:
  snapshot_scope(pqxx::transaction_base*& slot, pqxx::transaction_base& txn) : slot_{slot} {
    slot_ = &txn;
  }
  ~snapshot_scope() { slot_ = nullptr; }
  snapshot_scope(const snapshot_scope&) = delete;
  snapshot_scope& operator=(const snapshot_scope&) = delete;

 private:
  pqxx::transaction_base*& slot_;
};

}  // namespace

template <class T, class Query>
result<T, store_error> pg_event_store::reading(const char* what, Query query) {
  if (read_hook_) read_hook_();
  // Inside a snapshot, a driver error goes up to in_one_snapshot's guard, which ends the
  // snapshot's transaction before the connection is discarded.
  if (snapshot_ != nullptr) {
    result<T, store_error> out = query(*snapshot_);
    return out;
  }
  return db_.guarded<T>(what, [&]() -> result<T, store_error> {
    pqxx::read_transaction txn{db_.get()};
    return query(txn);
  });
}

result<done, store_error> pg_event_store::in_one_snapshot(const snapshot_reads& reads) {
  if (snapshot_ != nullptr) return reads();
  return db_.guarded<done>("in_one_snapshot", [&]() -> result<done, store_error> {
    for (int attempt = 1;; ++attempt) {
      try {
        pqxx::transaction<pqxx::repeatable_read, pqxx::read_only> txn{db_.get()};
        const snapshot_scope scope{snapshot_, txn};
        auto answer = reads();
        if (answer) txn.commit();
        return answer;
      } catch (const pqxx::transaction_rollback&) {
        if (attempt >= append_attempts_max) return failure(store_error::unavailable);
        backoff(attempt);
      }
    }
  });
}

result<std::vector<domain::event>, store_error> pg_event_store::read(const std::string& account_id,
                                                                     std::int64_t from_version,
                                                                     std::size_t limit) {
  using events = std::vector<domain::event>;
  return reading<events>("read", [&](pqxx::transaction_base& txn) {
    return decode_rows(
        txn.exec_params(sql::read_events(), account_id, from_version,
                        static_cast<std::int64_t>(std::min(limit, read_events_max))));
  });
}

result<std::vector<domain::event>, store_error> pg_event_store::scan(
    const std::string& after_account_id, std::int64_t after_version, std::size_t limit) {
  using events = std::vector<domain::event>;
  return reading<events>("scan", [&](pqxx::transaction_base& txn) {
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
  events page;
  const auto ran = in_one_snapshot([&]() -> result<done, store_error> {
    auto got = reading<events>("read_at_one_instant", [&](pqxx::transaction_base& txn) {
      return decode_rows(txn.exec_params(text, pqxx::prepare::make_dynamic_params(params)));
    });
    if (!got) return failure(got.error());
    page = std::move(*got);
    return done{};
  });
  if (!ran) return failure(ran.error());
  return page;
}

result<std::vector<command_record>, store_error> pg_event_store::find_commands(
    const std::vector<std::string>& keys) {
  if (keys.empty()) return std::vector<command_record>{};
  return reading<std::vector<command_record>>("find_commands", [&](pqxx::transaction_base& txn) {
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

namespace {

// The events' INSERT: the statement for `count` rows, and the rows' parameters.
std::string insert_events_sql(std::size_t count) {
  const char* casts[] = {"",        "::BIGINT", "::UUID",        "", "::INT",
                         "::JSONB", "",         "::TIMESTAMPTZ", "", "", ""};
  return "INSERT INTO events (account_id, version, event_id, event_type,"
         " schema_version, payload, command_id, occurred_at, prev_hash, hash, issued_by)"
         " VALUES " +
         values_clause(count, 11, casts);
}

void add_event_params(std::vector<std::string>& params, const domain::event& e) {
  params.insert(params.end(),
                {e.account_id, std::to_string(e.version), e.event_id,
                 std::string{domain::event_type_name(e.body)}, std::to_string(e.schema_version),
                 e.data, e.command_id, domain::format_instant(e.occurred_at), e.prev_hash, e.hash,
                 e.issued_by});
}

std::string insert_commands_sql(std::size_t count) {
  const char* casts[] = {"", "", "", "::JSONB"};
  return "INSERT INTO commands (idempotency_key, account_id, fingerprint, response) VALUES " +
         values_clause(count, 4, casts);
}

void add_command_params(std::vector<std::string>& params, const command_record& c) {
  params.insert(params.end(), {c.idempotency_key, c.account_id, c.fingerprint, c.response});
}

// The fence of invariant 10. An account the batch appends events to is fenced by the primary
// key: its first new version is taken exactly when the account moved on (versions only grow,
// and the batch was decided on a version read from the store). An account it only stores a
// refusal for has its head read and compared; and every hold token is probed in
// hold_revocations. The reads are few on purpose: under SERIALIZABLE each one conflicts with
// concurrent inserts into the index pages it read, and a read of every account's head made
// appends to neighbouring accounts fail each other (measured: hundreds of serialization
// failures in a burst of 16 clients).
bool fence_holds(pqxx::transaction_base& txn, const append_batch& batch) {
  std::set<std::string> appended;
  for (const auto& e : batch.events) appended.insert(e.account_id);
  std::vector<std::string> params;
  std::size_t heads = 0;
  for (const auto& [account_id, version] : batch.expected_versions) {
    if (appended.count(account_id) != 0) continue;
    params.insert(params.end(), {account_id, std::to_string(version)});
    ++heads;
  }
  for (const auto& [account_id, token] : batch.hold_tokens) {
    params.insert(params.end(), {account_id, token});
  }
  if (params.empty()) return true;
  const auto moved = txn.exec_params(sql::fence(heads, batch.hold_tokens.size()),
                                     pqxx::prepare::make_dynamic_params(params));
  return moved.empty();
}

}  // namespace

bool pg_event_store::write_batch(const append_batch& batch) {
  pqxx::transaction<pqxx::serializable> txn{db_.get()};
  if (!fence_holds(txn, batch)) return false;
  if (!batch.events.empty()) {
    std::vector<std::string> params;
    std::vector<std::string> outbox;
    for (const auto& e : batch.events) {
      add_event_params(params, e);
      outbox.insert(outbox.end(), {e.event_id, e.account_id, std::to_string(e.version)});
    }
    txn.exec_params(insert_events_sql(batch.events.size()),
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
    for (const auto& c : batch.commands) add_command_params(params, c);
    txn.exec_params(insert_commands_sql(batch.commands.size()),
                    pqxx::prepare::make_dynamic_params(params));
  }
  if (hook_) hook_(fault_point::before_commit, db_.get().sock());
  txn.commit();
  if (hook_) hook_(fault_point::after_commit, db_.get().sock());
  return true;
}

// The earlier try may still be committing: its COMMIT can be slow (fsync, a synchronous
// standby) and outlive the connection that sent it, so a plain read on a fresh connection
// may not see it yet. Inserting the batch's first row again waits, on the unique index, for
// that transaction to end, and then tells: a duplicate means the row is stored; success
// means the earlier try did not commit, and can no longer (the probe is rolled back). The
// wait is bounded by a lock timeout; past it the outcome stays unknown.
pg_event_store::commit_state pg_event_store::resolve_ambiguous(const append_batch& batch) {
  try {
    {
      // READ COMMITTED: once the earlier try has committed, the probe fails with a unique
      // violation rather than a serialization failure.
      pqxx::work probe{db_.get()};
      probe.exec("SET LOCAL lock_timeout = " + std::to_string(resolve_wait_ms));
      std::vector<std::string> params;
      if (!batch.events.empty()) {
        add_event_params(params, batch.events.front());
        probe.exec_params(insert_events_sql(1), pqxx::prepare::make_dynamic_params(params));
      } else {
        add_command_params(params, batch.commands.front());
        probe.exec_params(insert_commands_sql(1), pqxx::prepare::make_dynamic_params(params));
      }
      // Destroyed without commit: the probe row is never stored.
      return commit_state::not_committed;
    }
  } catch (const pqxx::unique_violation&) {
    return stored_as_written(batch);
  } catch (const std::exception&) {
    db_.reset();
    return commit_state::unknown;
  }
}

// After a duplicate, whether the stored row is the batch's own (the earlier try committed)
// or another writer's (it did not: the batch's rows are all or nothing).
pg_event_store::commit_state pg_event_store::stored_as_written(const append_batch& batch) {
  try {
    pqxx::read_transaction txn{db_.get()};
    const auto rows =
        !batch.events.empty()
            ? txn.exec_params("SELECT 1 FROM events WHERE event_id = $1::UUID",
                              batch.events.front().event_id)
            : txn.exec_params(
                  "SELECT 1 FROM commands WHERE idempotency_key = $1 AND fingerprint = $2"
                  " AND response = $3::JSONB",
                  batch.commands.front().idempotency_key, batch.commands.front().fingerprint,
                  batch.commands.front().response);
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
      if (!write_batch(batch)) return failure(store_error::conflict);
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
      // Lost before COMMIT was sent: the transaction cannot commit (the server rolls it
      // back when it notices, and a new try's inserts wait for that). One fresh connection
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

result<done, store_error> pg_event_store::revoke_hold(const std::string& account_id,
                                                      const std::string& token) {
  if (token.empty()) return failure(store_error::failed);
  return db_.guarded<done>("revoke_hold", [&]() -> result<done, store_error> {
    for (int attempt = 1;; ++attempt) {
      try {
        pqxx::transaction<pqxx::serializable> txn{db_.get()};
        // Reading the account's head, which a batch under the token would extend, while the
        // batch reads this revocation's key: SERIALIZABLE lets the two commit together only
        // if the batch came first, so a reload that starts after this returns sees it.
        txn.exec_params(sql::latest_version(), account_id);
        txn.exec_params(
            "INSERT INTO hold_revocations (account_id, token) VALUES ($1, $2)"
            " ON CONFLICT (account_id, token) DO NOTHING",
            account_id, token);
        txn.commit();
        return done{};
      } catch (const pqxx::transaction_rollback&) {
        if (attempt >= append_attempts_max) return failure(store_error::unavailable);
        backoff(attempt);
      } catch (const pqxx::in_doubt_error&) {
        // Revoking again is harmless: the second insert does nothing.
        db_.reset();
        if (attempt >= append_attempts_max) return failure(store_error::unavailable);
      }
    }
  });
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
  return reading<answer>("latest_snapshot", [&](pqxx::transaction_base& txn) {
    const auto rows = txn.exec_params(sql::latest_snapshot(), account_id, at_most_version);
    return rows.empty() ? answer{} : answer{snapshot_row(rows[0])};
  });
}

result<std::vector<domain::state_snapshot>, store_error> pg_event_store::read_snapshots(
    const std::string& account_id, std::int64_t from_version, std::size_t limit) {
  using answer = std::vector<domain::state_snapshot>;
  return reading<answer>("read_snapshots", [&](pqxx::transaction_base& txn) {
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
  return reading<std::int64_t>("version_at", [&](pqxx::transaction_base& txn) {
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
  return reading<answer>("heads", [&](pqxx::transaction_base& txn) {
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
  return reading<domain::micros>("newest_event_time", [&](pqxx::transaction_base& txn) {
    const auto rows = txn.exec(sql::newest_event_time());
    if (rows.empty() || rows[0][0].is_null()) return domain::micros{0};
    return domain::parse_instant(rows[0][0].c_str()).value_or(0);
  });
}

}  // namespace chronicle::persistence
