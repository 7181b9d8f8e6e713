// The dashboard's files as the node serves them: exact paths only, "/" is index.html, the
// content types, and what load() reads from a folder.

#include "http/static_site.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace chronicle::http {
namespace {

TEST(static_site, given_files_then_exact_paths_and_slash_as_index) {
  static_site site;
  site.add("/index.html", {"<html>", "text/html; charset=utf-8", false});
  site.add("/assets/app-1a2b.js", {"js", "text/javascript; charset=utf-8", true});
  ASSERT_NE(site.find("/"), nullptr);
  EXPECT_EQ(site.find("/")->content, "<html>");
  EXPECT_TRUE(site.find("/assets/app-1a2b.js")->immutable);
  EXPECT_EQ(site.find("/assets/"), nullptr);
  EXPECT_EQ(site.find("/assets/../index.html"), nullptr);
  EXPECT_EQ(site.find("/accounts"), nullptr);
}

TEST(static_site, given_extensions_then_content_types) {
  EXPECT_EQ(content_type_for("/a.html"), "text/html; charset=utf-8");
  EXPECT_EQ(content_type_for("/assets/a.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(content_type_for("/assets/a.css"), "text/css; charset=utf-8");
  EXPECT_EQ(content_type_for("/x"), "application/octet-stream");
}

TEST(static_site, given_a_folder_then_every_file_under_it_and_a_missing_one_is_empty) {
  namespace fs = std::filesystem;
  const auto dir = fs::temp_directory_path() / ("static_site_test_" + std::to_string(::getpid()));
  fs::create_directories(dir / "assets");
  std::ofstream{dir / "index.html"} << "<p>hi</p>";
  std::ofstream{dir / "assets" / "a.js"} << "1;";
  const auto site = static_site::load(dir.string());
  EXPECT_EQ(site.size(), 2u);
  ASSERT_NE(site.find("/"), nullptr);
  EXPECT_EQ(site.find("/")->content, "<p>hi</p>");
  EXPECT_FALSE(site.find("/")->immutable);
  ASSERT_NE(site.find("/assets/a.js"), nullptr);
  EXPECT_TRUE(site.find("/assets/a.js")->immutable);
  fs::remove_all(dir);
  EXPECT_EQ(static_site::load(dir.string()).size(), 0u);
}

}  // namespace
}  // namespace chronicle::http
