#pragma once

// The router: serves the route table (routes.hpp) in its order through the handlers; any
// other method on a listed path gets 405, any other path 404 ROUTE_NOT_FOUND, and a path that
// is not valid percent-encoded UTF-8 404 too (RESTinio would throw on it and close the
// connection unanswered). With CORS on, OPTIONS on a listed path is a preflight. Internal to
// http/: it is RESTinio's request handler (transport.hpp).

#include <functional>
#include <memory>
#include <restinio/request_handler.hpp>

#include "http/handlers.hpp"
#include "http/responder.hpp"
#include "http/static_site.hpp"

namespace chronicle::http {

class path_checked_router {
 public:
  using route_function = std::function<handling_status(request)>;

  // `site` is served for GET on paths no route has (the dashboard at /).
  path_checked_router(std::shared_ptr<handlers> h, std::shared_ptr<const responder> out,
                      std::shared_ptr<const static_site> site);

  handling_status operator()(request req) const;

 private:
  route_function routes_;
  std::shared_ptr<const responder> out_;
};

}  // namespace chronicle::http
