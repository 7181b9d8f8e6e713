#include "http/router.hpp"

#include <algorithm>
#include <restinio/all.hpp>

namespace chronicle::http {
namespace {

using router_t = restinio::router::express_router_t<>;

restinio::http_method_id_t restinio_method(http_verb verb) {
  return verb == http_verb::get ? restinio::http_method_get() : restinio::http_method_post();
}

// Which handler serves a route of the table (http/routes.hpp), once the caller may use it.
handling_status dispatch(handlers& h, const route& r, const request& req,
                         const restinio::router::route_params_t& params) {
  const auto caller = h.authorize(r.needed, req);
  if (!caller) return restinio::request_accepted();
  const auto who = &caller->key_id;
  const auto account_id = [&] { return restinio::cast_to<std::string>(params["id"]); };
  switch (r.id) {
    case route_id::create_account: return h.command(command_route::create_account, req, *who);
    case route_id::deposit: return h.command(command_route::deposit, req, *who);
    case route_id::withdraw: return h.command(command_route::withdraw, req, *who);
    case route_id::close_account: return h.command(command_route::close_account, req, *who);
    case route_id::transfer: return h.transfer(req, *who);
    case route_id::list_accounts: return h.accounts(req);
    case route_id::accounts_snapshot: return h.snapshot(req);
    case route_id::account: return h.account(req, account_id());
    case route_id::account_events: return h.events(req, account_id());
    case route_id::account_transactions: return h.transactions(req, account_id());
    case route_id::balance_at: return h.balance_at(req, account_id());
    case route_id::history: return h.history(req, account_id());
    case route_id::verify: return h.verify(req, account_id());
    case route_id::timeline: return h.timeline(req);
    case route_id::ws_events: return h.ws_events(req, caller->role);
    case route_id::session: return h.session(req, *caller);
    case route_id::health: return h.health(req);
    case route_id::metrics: return h.metrics(req);
    case route_id::cluster: return h.cluster(req);
    case route_id::openapi: return h.openapi(req);
  }
  return restinio::request_rejected();
}

std::shared_ptr<router_t> make_routes(std::shared_ptr<handlers> h,
                                      std::shared_ptr<const responder> out,
                                      std::shared_ptr<const static_site> site) {
  auto router = std::make_shared<router_t>();
  struct path_methods {
    std::string_view path;
    restinio::router::dynamic_none_of_methods_matcher_t others;
    std::vector<std::string> names;
  };
  std::vector<path_methods> paths;
  for (const auto& r : routes()) {
    router->add_handler(restinio_method(r.verb), r.path,
                        [h, &r](auto req, auto params) { return dispatch(*h, r, req, params); });
    auto same_path = std::find_if(paths.begin(), paths.end(),
                                  [&](const auto& entry) { return entry.path == r.path; });
    if (same_path == paths.end()) same_path = paths.insert(paths.end(), {r.path, {}, {}});
    same_path->others.add(restinio_method(r.verb));
    same_path->names.emplace_back(verb_name(r.verb));
  }
  for (auto& p : paths) {
    if (out->cors().enabled()) {
      router->add_handler(restinio::http_method_options(), p.path,
                          [out, names = p.names](auto req, auto) {
                            out->preflight(req, names);
                            return restinio::request_accepted();
                          });
    }
    router->add_handler(std::move(p.others), p.path, [out](auto req, auto) {
      out->problem(req, api_error::method_not_allowed, "method not allowed on this path");
      return restinio::request_accepted();
    });
  }
  router->non_matched_request_handler([out, site](auto req) {
    if (req->header().method() == restinio::http_method_get()) {
      if (const auto* f = site->find(req->header().path())) {
        out->file(req, *f);
        return restinio::request_accepted();
      }
    }
    out->problem(req, api_error::route_not_found, "no such route");
    return restinio::request_accepted();
  });
  return router;
}

}  // namespace

path_checked_router::path_checked_router(std::shared_ptr<handlers> h,
                                         std::shared_ptr<const responder> out,
                                         std::shared_ptr<const static_site> site)
    : routes_{[router = make_routes(std::move(h), out, std::move(site))](request req) {
        return (*router)(std::move(req));
      }},
      out_{std::move(out)} {}

// RESTinio's express router normalises the path before matching and throws when it is
// not valid percent-encoding of UTF-8 ("%zz", "%FF"); RESTinio answers a handler that
// throws by closing the connection unanswered. The same normalisation is tried here
// first, so such a path gets a 404 like any other path that names nothing.
handling_status path_checked_router::operator()(request req) const {
  try {
    (void)restinio::utils::uri_normalization::unreserved_chars::estimate_required_capacity(
        req->header().path());
  } catch (const restinio::exception_t&) {
    out_->problem(req, api_error::route_not_found,
                  "no such route: the path is not valid percent-encoded UTF-8");
    return restinio::request_accepted();
  }
  return routes_(std::move(req));
}

}  // namespace chronicle::http
