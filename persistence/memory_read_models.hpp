#pragma once

// The in-memory twin of the read models, for projector tests. It folds rows
// with the same project_rows() as the PostgreSQL store. Thread-safe.

#include <mutex>

#include "persistence/read_models.hpp"

namespace chronicle::persistence {

class memory_read_models final : public read_model_writer, public read_model_queries {
 public:
  result<std::map<std::string, std::int64_t>, store_error> checkpoints(
      const std::vector<std::string>& account_ids) override;
  result<std::size_t, store_error> apply(const std::vector<domain::event>& events) override;
  result<std::optional<domain::account_state>, store_error> account(
      const std::string& account_id) override;
  result<std::vector<domain::account_state>, store_error> accounts(
      const account_filter& filter) override;
  result<std::vector<transaction_row>, store_error> transactions(const std::string& account_id,
                                                                 std::int64_t before_version,
                                                                 std::size_t limit) override;
  result<std::vector<timeline_row>, store_error> timeline(const timeline_query& q) override;
  result<std::vector<projection_progress>, store_error> progress() override;
  result<account_rows, store_error> rows_of(const std::string& account_id) override;

  void set_available(bool available);
  std::size_t apply_calls() const;

 private:
  mutable std::mutex mutex_;
  bool available_ = true;
  std::size_t apply_calls_ = 0;
  projection_inputs state_;  // balances, running balances and checkpoints
  std::map<std::pair<std::string, std::int64_t>, transaction_row> transactions_;
  std::vector<timeline_row> timeline_;
  std::vector<transfer_row> transfers_;
  std::map<projection, projection_progress> progress_;
};

}  // namespace chronicle::persistence
