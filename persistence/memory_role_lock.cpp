#include "persistence/role_lock.hpp"

namespace chronicle::persistence {

class memory_role_lock final : public role_lock {
 public:
  memory_role_lock(memory_role_table& table, std::size_t id) : table_{table}, id_{id} {}
  ~memory_role_lock() override { release(); }

  result<bool, store_error> hold() override {
    std::lock_guard<std::mutex> lock{table_.mutex_};
    if (table_.holder_ == 0) table_.holder_ = id_;
    return table_.holder_ == id_;
  }

  void release() override {
    std::lock_guard<std::mutex> lock{table_.mutex_};
    if (table_.holder_ == id_) table_.holder_ = 0;
  }

 private:
  memory_role_table& table_;
  std::size_t id_;
};

std::unique_ptr<role_lock> memory_role_table::make_lock() {
  std::lock_guard<std::mutex> lock{mutex_};
  return std::make_unique<memory_role_lock>(*this, ++made_);
}

std::size_t memory_role_table::holder() const {
  std::lock_guard<std::mutex> lock{mutex_};
  return holder_;
}

void memory_role_table::drop_holder() {
  std::lock_guard<std::mutex> lock{mutex_};
  holder_ = 0;
}

}  // namespace chronicle::persistence
