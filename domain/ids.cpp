#include "domain/ids.hpp"

#include <array>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <random>

namespace chronicle::domain {
namespace {

bool is_id_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

// Length in bytes of the UTF-8 sequence starting with `lead`, or 0 if `lead`
// cannot start one.
int utf8_sequence_bytes(unsigned char lead) {
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return 2;
  if (lead >= 0xE0 && lead <= 0xEF) return 3;
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  return 0;
}

// A few lead bytes narrow the range of the byte after them (RFC 3629, section 4): without
// these checks overlong forms, UTF-16 surrogates and code points past U+10FFFF would pass,
// and PostgreSQL rejects all of them. `next` is the continuation byte that follows `lead`.
bool valid_second_byte(unsigned char lead, unsigned char next) {
  switch (lead) {
    case 0xE0: return next >= 0xA0;  // below is an overlong form of U+0000..U+07FF
    case 0xED: return next <= 0x9F;  // above are the surrogates U+D800..U+DFFF
    case 0xF0: return next >= 0x90;  // below is an overlong form of U+0000..U+FFFF
    case 0xF4: return next <= 0x8F;  // above is past U+10FFFF
    default: return true;
  }
}

// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's
// well-known civil-from-days algorithm, run backwards).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

// Days in a month of the proleptic Gregorian calendar, so that "2026-02-31" is refused
// rather than read as March 3rd.
int days_in_month(int year, int month) {
  static constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : days[month - 1];
}

bool parse_digits(std::string_view text, std::size_t at, std::size_t count, int& out) {
  if (at + count > text.size()) return false;
  out = 0;
  for (std::size_t i = at; i < at + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    out = out * 10 + (text[i] - '0');
  }
  return true;
}

}  // namespace

bool valid_account_id(std::string_view id) {
  if (id.empty() || id.size() > account_id_bytes_max) return false;
  for (char c : id) {
    if (!is_id_char(c)) return false;
  }
  return true;
}

bool valid_idempotency_key(std::string_view key) {
  if (key.empty() || key.size() > idempotency_key_bytes_max) return false;
  for (char c : key) {
    if (c <= ' ' || c > '~') return false;
  }
  return true;
}

bool valid_text(std::string_view text, std::size_t bytes_max) {
  if (text.size() > bytes_max) return false;
  for (std::size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const int bytes = utf8_sequence_bytes(lead);
    if (bytes == 0 || i + bytes > text.size()) return false;
    if (bytes == 1 && (lead < 0x20 || lead == 0x7F)) return false;
    for (int k = 1; k < bytes; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return false;
    }
    if (bytes > 1 && !valid_second_byte(lead, static_cast<unsigned char>(text[i + 1]))) {
      return false;
    }
    i += bytes;
  }
  return true;
}

std::string new_uuid() {
  thread_local std::mt19937_64 generator{[] {
    std::random_device device;
    std::seed_seq seed{device(), device(), device(), device()};
    return std::mt19937_64{seed};
  }()};
  std::array<unsigned char, 16> bytes{};
  for (std::size_t i = 0; i < bytes.size(); i += 8) {
    const std::uint64_t word = generator();
    for (std::size_t k = 0; k < 8; ++k) bytes[i + k] = static_cast<unsigned char>(word >> (8 * k));
  }
  bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0F) | 0x40);
  bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3F) | 0x80);
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(hex[bytes[i] >> 4]);
    out.push_back(hex[bytes[i] & 0x0F]);
  }
  return out;
}

std::string format_instant(micros at) {
  constexpr micros per_second = 1'000'000;
  micros seconds = at / per_second;
  micros fraction = at % per_second;
  if (fraction < 0) {
    fraction += per_second;
    seconds -= 1;
  }
  const auto t = static_cast<std::time_t>(seconds);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char buffer[96];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<long long>(fraction));
  return buffer;
}

namespace {

// The fraction digits and zone offsets each grammar accepts.
struct instant_grammar {
  int fraction_digits_max;  // digits past the sixth are dropped (toward the past)
  bool offsets;             // any offset "+HH:MM" or "-HH:MM", not only UTC
};

constexpr instant_grammar stored_grammar{6, false};
constexpr instant_grammar client_grammar{9, true};

// The zone after the time: micros to subtract to reach UTC, or nullopt.
std::optional<micros> zone_offset(std::string_view zone, bool offsets) {
  if (zone == "Z" || zone == "+00" || zone == "+00:00") return micros{0};
  int hours = 0, minutes = 0;
  if (!offsets || zone.size() != 6 || (zone[0] != '+' && zone[0] != '-') || zone[3] != ':' ||
      !parse_digits(zone, 1, 2, hours) || !parse_digits(zone, 4, 2, minutes) || hours > 23 ||
      minutes > 59 || zone == "-00:00") {  // "-00:00" means an unknown offset (RFC 3339)
    return std::nullopt;
  }
  const micros offset = (hours * 60 + minutes) * micros{60'000'000};
  return zone[0] == '+' ? offset : -offset;
}

std::optional<micros> parse_with(std::string_view text, instant_grammar grammar) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!parse_digits(text, 0, 4, year) || text.size() < 19 || text[4] != '-' ||
      !parse_digits(text, 5, 2, month) || text[7] != '-' || !parse_digits(text, 8, 2, day) ||
      (text[10] != 'T' && text[10] != ' ') || !parse_digits(text, 11, 2, hour) || text[13] != ':' ||
      !parse_digits(text, 14, 2, minute) || text[16] != ':' || !parse_digits(text, 17, 2, second)) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) || hour > 23 ||
      minute > 59 || second > 60) {
    return std::nullopt;
  }
  std::size_t at = 19;
  micros fraction = 0;
  if (at < text.size() && text[at] == '.') {
    int digits = 0;
    for (++at; at < text.size() && text[at] >= '0' && text[at] <= '9'; ++at, ++digits) {
      if (digits >= grammar.fraction_digits_max) return std::nullopt;
      if (digits < 6) fraction = fraction * 10 + (text[at] - '0');
    }
    if (digits == 0) return std::nullopt;
    for (; digits < 6; ++digits) fraction *= 10;
  }
  const auto offset = zone_offset(text.substr(at), grammar.offsets);
  if (!offset) return std::nullopt;
  const micros days =
      days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  const micros seconds = ((days * 24 + hour) * 60 + minute) * 60 + second;
  return seconds * 1'000'000 + fraction - *offset;
}

}  // namespace

std::optional<micros> parse_instant(std::string_view text) {
  return parse_with(text, stored_grammar);
}

std::optional<micros> parse_client_instant(std::string_view text) {
  return parse_with(text, client_grammar);
}

micros now_micros() {
  using namespace std::chrono;
  return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace chronicle::domain
