#pragma once

// A nats_bus on a test's NATS server and stream, connected: the tests that publish or
// subscribe themselves start from here.

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <thread>

#include "messaging/nats_bus.hpp"

namespace chronicle::testing {

// Connects to `url` for `stream` and waits (at most 5 s) until connected; a failure is
// reported to the running test, and the answer is null only when no bus could be made.
inline std::unique_ptr<messaging::nats_bus> connected_bus(const std::string& url,
                                                          const std::string& client_name,
                                                          messaging::stream_names stream) {
  constexpr auto connect_timeout = std::chrono::seconds{5};
  messaging::nats_settings settings;
  settings.urls = url;
  settings.client_name = client_name;
  settings.stream = std::move(stream);
  auto bus = messaging::nats_bus::connect(settings);
  if (!bus) {
    ADD_FAILURE() << bus.error();
    return nullptr;
  }
  const auto deadline = std::chrono::steady_clock::now() + connect_timeout;
  while (!(*bus)->connected() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  }
  EXPECT_TRUE((*bus)->connected()) << "no NATS at " << url;
  return std::move(*bus);
}

}  // namespace chronicle::testing
