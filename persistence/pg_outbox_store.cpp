#include "persistence/pg_outbox_store.hpp"

#include <algorithm>
#include <pqxx/pqxx>

#include "persistence/pg_event_rows.hpp"
#include "persistence/pg_statements.hpp"

namespace chronicle::persistence {
namespace {

// Keeps, of each account's claimed events, those from its first on while the versions follow
// one another: a relay that took a row another relay skipped ahead of (the two claims ran at
// once) then leaves the later rows to the next claim instead of publishing them out of order.
std::vector<domain::event> without_gaps(std::vector<domain::event> claimed) {
  std::vector<domain::event> out;
  out.reserve(claimed.size());
  for (auto& e : claimed) {
    const bool gap = !out.empty() && out.back().account_id == e.account_id &&
                     out.back().version + 1 != e.version;
    if (!gap) out.push_back(std::move(e));
  }
  return out;
}

}  // namespace

pg_outbox_store::pg_outbox_store(std::string connection_string, int hold_ms)
    : db_{std::move(connection_string)}, hold_ms_{hold_ms} {}

pg_outbox_store::~pg_outbox_store() {
  release();
}

result<std::vector<domain::event>, store_error> pg_outbox_store::claim(std::size_t limit) {
  using events = std::vector<domain::event>;
  release();
  limit = std::min(limit, outbox_batch_max);
  if (limit == 0) return events{};
  return db_.guarded<events>("outbox claim", [&]() -> result<events, store_error> {
    try {
      claim_ = std::make_unique<pqxx::work>(db_.get());
      claim_->exec(sql::outbox_claim_hold(hold_ms_));
      const auto rows = claim_->exec_params(sql::outbox_claim(), static_cast<std::int64_t>(limit));
      events out;
      out.reserve(rows.size());
      for (const auto& row : rows) {
        auto decoded = decode_event_row(row);
        if (!decoded) {
          std::fprintf(stderr, "outbox: event %s: %s\n", row[2].c_str(), decoded.error().c_str());
          claim_.reset();
          return failure(store_error::corrupt);
        }
        out.push_back(std::move(*decoded));
      }
      if (out.empty()) claim_.reset();
      return without_gaps(std::move(out));
    } catch (...) {
      // The claim goes before guarded() discards the connection it runs on.
      claim_.reset();
      throw;
    }
  });
}

result<done, store_error> pg_outbox_store::remove(const std::vector<std::string>& event_ids) {
  if (event_ids.size() > outbox_batch_max) {
    release();
    return failure(store_error::failed);
  }
  if (event_ids.empty()) {
    release();
    return done{};
  }
  return db_.guarded<done>("outbox remove", [&] {
    try {
      auto txn = claim_ ? std::move(claim_) : std::make_unique<pqxx::work>(db_.get());
      // Untyped parameters take the column's type (UUID) from the comparison.
      txn->exec_params(sql::outbox_remove(event_ids.size()),
                       pqxx::prepare::make_dynamic_params(event_ids));
      txn->commit();
      return done{};
    } catch (...) {
      claim_.reset();
      throw;
    }
  });
}

void pg_outbox_store::release() {
  // Aborting never throws out of libpqxx's destructor; a broken connection ends the claim too.
  claim_.reset();
}

}  // namespace chronicle::persistence
