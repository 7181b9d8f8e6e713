#include "cluster/ownership.hpp"

namespace chronicle::cluster {
namespace {

constexpr std::uint64_t fnv_offset = 1469598103934665603ULL;
constexpr std::uint64_t fnv_prime = 1099511628211ULL;

std::uint64_t fnv1a(std::uint64_t h, std::string_view bytes) {
  for (const unsigned char c : bytes) {
    h ^= c;
    h *= fnv_prime;
  }
  return h;
}

// FNV-1a alone mixes its last bytes poorly; splitmix64's finaliser spreads them
// over all 64 bits, which is what keeps the per-node weights independent.
std::uint64_t mix(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

std::uint64_t rendezvous_weight(std::string_view node_id, std::string_view account_id) {
  // The separator keeps ("ab", "c") and ("a", "bc") apart.
  auto h = fnv1a(fnv_offset, node_id);
  h = fnv1a(h, std::string_view{"\0", 1});
  return mix(fnv1a(h, account_id));
}

std::string owner_of(std::string_view account_id, const std::vector<std::string>& node_ids) {
  const std::string* best = nullptr;
  std::uint64_t best_weight = 0;
  for (const auto& node : node_ids) {
    const auto w = rendezvous_weight(node, account_id);
    if (best == nullptr || w > best_weight || (w == best_weight && node < *best)) {
      best = &node;
      best_weight = w;
    }
  }
  return best == nullptr ? std::string{} : *best;
}

}  // namespace chronicle::cluster
