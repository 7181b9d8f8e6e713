#pragma once

// The dashboard's files (ui/, built by `make build` into the build folder's ui/), served by
// the node at `/` without a Node process: read once at start into memory, answered from
// there. Paths are exact: no directory listing, no `..`, nothing outside the folder.
// Pure but for load(), so it is unit-tested.

#include <cstddef>
#include <map>
#include <string>
#include <string_view>

namespace chronicle::http {

// Bounds on what is loaded: the built dashboard is well under them.
constexpr std::size_t static_files_max = 200;
constexpr std::size_t static_file_bytes_max = 4 * 1024 * 1024;

struct static_file {
  std::string content;
  std::string content_type;
  // Vite names assets by their content's hash: they can be cached for good; index.html not.
  bool immutable = false;
};

class static_site {
 public:
  // Every regular file under `dir` (up to the bounds above; the rest is skipped, and said on
  // stderr). A missing folder is an empty site.
  static static_site load(const std::string& dir);

  void add(std::string path, static_file file);
  // The file for a request path ("/" is /index.html); nullptr when there is none.
  const static_file* find(std::string_view path) const;
  std::size_t size() const { return files_.size(); }

 private:
  std::map<std::string, static_file, std::less<>> files_;  // "/index.html", "/assets/…"
};

// "text/html; charset=utf-8" for ".html", and so on; application/octet-stream when unknown.
std::string content_type_for(std::string_view path);

}  // namespace chronicle::http
