#pragma once

// Builds one visitor from several lambdas, for std::visit over the event and
// command variants.

namespace chronicle::domain {

template <class... F>
struct overloaded : F... {
  using F::operator()...;
};
template <class... F>
overloaded(F...) -> overloaded<F...>;

}  // namespace chronicle::domain
