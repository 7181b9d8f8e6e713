#include "http/static_site.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace chronicle::http {

std::string content_type_for(std::string_view path) {
  const auto dot = path.rfind('.');
  const auto ext = dot == std::string_view::npos ? std::string_view{} : path.substr(dot);
  if (ext == ".html") return "text/html; charset=utf-8";
  if (ext == ".js") return "text/javascript; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".ico") return "image/x-icon";
  if (ext == ".json") return "application/json";
  if (ext == ".woff2") return "font/woff2";
  return "application/octet-stream";
}

void static_site::add(std::string path, static_file file) {
  files_[std::move(path)] = std::move(file);
}

const static_file* static_site::find(std::string_view path) const {
  if (path == "/") path = "/index.html";
  const auto it = files_.find(path);
  return it == files_.end() ? nullptr : &it->second;
}

static_site static_site::load(const std::string& dir) {
  namespace fs = std::filesystem;
  static_site site;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return site;
  for (fs::recursive_directory_iterator it{dir, ec}, end; !ec && it != end; it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    const auto relative = fs::relative(it->path(), dir, ec).generic_string();
    if (site.size() >= static_files_max || it->file_size(ec) > static_file_bytes_max) {
      std::fprintf(stderr, "chronicled: dashboard file %s skipped (over the limits)\n",
                   relative.c_str());
      continue;
    }
    std::ifstream in{it->path(), std::ios::binary};
    std::string content{std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
    const bool immutable = relative.rfind("assets/", 0) == 0;
    site.add("/" + relative, {std::move(content), content_type_for(relative), immutable});
  }
  return site;
}

}  // namespace chronicle::http
