#pragma once

// A role at most one process holds at a time, such as "the projection writing this read-model
// database": the other processes stand by and one of them takes the role over when the holder
// lets it go or dies.
//
// Promises:
// - hold() answers whether this holder has the role now. When it has not, it tries to take it
//   (never waiting for the current holder); when it has, it checks that it still has it (the
//   database session that holds it is alive). A false or an error means: act as a standby.
// - release() gives the role up at once; so does destroying the lock.
// - Not thread-safe: one owner.

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "persistence/event_store.hpp"

namespace chronicle::persistence {

class role_lock {
 public:
  virtual ~role_lock() = default;
  virtual result<bool, store_error> hold() = 0;
  virtual void release() = 0;
};

// The projection's role on a read-model database (docs/EVENT_SOURCING.md, "One projection
// per read-model database"): the key of its PostgreSQL advisory lock.
constexpr std::int64_t projection_lock_key = 0x6368726f6e70726fLL;  // "chronpro"

// The in-memory twin: the locks made from one table exclude each other.
class memory_role_table {
 public:
  std::unique_ptr<role_lock> make_lock();
  // The holder, as the number make_lock() gave it (from 1); 0: nobody.
  std::size_t holder() const;
  // As if the holder's session died: nobody holds the role.
  void drop_holder();

 private:
  friend class memory_role_lock;
  mutable std::mutex mutex_;
  std::size_t holder_ = 0;
  std::size_t made_ = 0;
};

}  // namespace chronicle::persistence
