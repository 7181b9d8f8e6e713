#pragma once

// Appends events to an account straight into an event store, as an account actor would,
// without a node (and so without a relay publishing them).

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "domain/event_codec.hpp"
#include "domain/ids.hpp"
#include "persistence/event_store.hpp"

namespace chronicle::testing {

inline void commit(persistence::event_store& store, const std::string& id,
                   const std::vector<domain::event_body>& bodies) {
  auto state = persistence::load_state(store, id);
  ASSERT_TRUE(state.ok());
  auto sealed = domain::seal(*state, bodies, domain::new_uuid(), domain::now_micros());
  ASSERT_TRUE(store.append({{{id, state->version}}, sealed, {}, {}, {}}).ok());
}

}  // namespace chronicle::testing
