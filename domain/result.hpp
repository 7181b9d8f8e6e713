#pragma once

// A value or an error, as returned at every boundary of the domain (like C++23 std::expected).
// Accessing the wrong alternative is a programmer error: it aborts, also in release builds,
// because the house rule is that no exception escapes and a silent wrong value is worse.

#include <cstdlib>
#include <type_traits>
#include <utility>
#include <variant>

namespace chronicle::domain {

// Wraps an error so that a result is built from it unambiguously, even when T and E are the
// same type or convert into each other.
template <class E>
struct failure_t {
  E error;
};

template <class E>
failure_t<std::decay_t<E>> failure(E&& error) {
  return failure_t<std::decay_t<E>>{std::forward<E>(error)};
}

template <class T, class E>
class [[nodiscard]] result {
 public:
  // Both constructors are implicit so that `return value;` and `return failure(e);` read
  // naturally in functions returning a result.
  result(T value) : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT

  template <class G, std::enable_if_t<std::is_constructible_v<E, G>, int> = 0>
  result(failure_t<G> failed)  // NOLINT
      : state_(std::in_place_index<1>, std::move(failed.error)) {}

  [[nodiscard]] bool ok() const noexcept { return state_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  T& value() & { return *checked(std::get_if<0>(&state_)); }
  [[nodiscard]] const T& value() const& { return *checked(std::get_if<0>(&state_)); }
  T&& value() && { return std::move(*checked(std::get_if<0>(&state_))); }

  [[nodiscard]] const E& error() const& { return *checked(std::get_if<1>(&state_)); }
  E&& error() && { return std::move(*checked(std::get_if<1>(&state_))); }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  // Indexes rather than types select the alternative, so result<E, E> works as well.
  template <class P>
  static P* checked(P* alternative) {
    if (alternative == nullptr) {
      std::abort();
    }
    return alternative;
  }

  std::variant<T, E> state_;
};

}  // namespace chronicle::domain
